package dev.l4mux.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.ExternalProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** conf/systemd/l4mux.service: {@code systemd-analyze verify} passes, and the hardening it promises is there. */
class SystemdUnitTest {

  private static final Path UNIT = Path.of("conf/systemd/l4mux.service");

  @Test
  void systemdAnalyzeVerifyPasses() {
    ExternalProcess.Result r = ExternalProcess.run(
        List.of("systemd-analyze", "verify", UNIT.toAbsolutePath().toString()), new byte[0], Duration.ofSeconds(60));
    assertEquals(0, r.exitCode(), "systemd-analyze verify (Debian package systemd):\n" + r.stdout() + r.stderr());
    assertEquals("", r.stderr().strip(), "warnings from systemd-analyze verify");
  }

  @Test
  void runsUnprivilegedWithOnlyTheBindCapability() throws IOException {
    Map<String, List<String>> service = section("Service");
    assertEquals(List.of("yes"), service.get("DynamicUser"));
    assertEquals(List.of("CAP_NET_BIND_SERVICE"), service.get("AmbientCapabilities"));
    assertEquals(List.of("CAP_NET_BIND_SERVICE"), service.get("CapabilityBoundingSet"));
    assertEquals(List.of("yes"), service.get("NoNewPrivileges"));
    assertEquals(List.of("strict"), service.get("ProtectSystem"));
    assertTrue(Long.parseLong(service.get("LimitNOFILE").get(0)) >= 65536);
    for (String on : List.of("ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules",
        "ProtectControlGroups", "RestrictNamespaces", "RestrictSUIDSGID", "LockPersonality")) {
      assertEquals(List.of("yes"), service.get(on), on);
    }
  }

  @Test
  void validatesBeforeStartAndOnReloadAndOutlastsTheDrain() throws IOException {
    Map<String, List<String>> service = section("Service");
    String validate = "/usr/bin/java -jar /opt/l4mux/l4mux.jar validate ${L4MUX_CONFIG}";
    assertEquals(List.of(validate), service.get("ExecStartPre"));
    assertEquals(List.of(validate), service.get("ExecReload"));
    assertEquals(List.of("L4MUX_CONFIG=/etc/l4mux/l4mux.yaml", "JAVA_OPTS=-Xmx512m"), service.get("Environment"));
    assertEquals(List.of("SIGTERM"), service.get("KillSignal"));
    // defaults.timeouts.drain is 30 s: systemd must not SIGKILL a node that is still draining.
    assertEquals(List.of("45s"), service.get("TimeoutStopSec"));
  }

  /** The unit's keys in one section, each with its values in order (comments skipped). */
  private static Map<String, List<String>> section(String name) throws IOException {
    Map<String, List<String>> keys = new LinkedHashMap<>();
    String current = null;
    for (String line : Files.readAllLines(UNIT)) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
        continue;
      }
      if (l.startsWith("[")) {
        current = l.substring(1, l.length() - 1);
      } else if (name.equals(current)) {
        int eq = l.indexOf('=');
        keys.computeIfAbsent(l.substring(0, eq), k -> new ArrayList<>()).add(l.substring(eq + 1));
      }
    }
    return keys;
  }
}
