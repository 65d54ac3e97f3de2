package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.l4mux.testsupport.ExternalProcess;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark scripts still work: {@code bench/run.sh --smoke} starts every backend and proxy
 * (nginx backends, iperf3 server, connection holder, HAProxy, nginx stream, l4mux), sends one
 * exchange of each kind through each, and stops everything it started, by PID. Skipped when the
 * benchmark tools are not installed (Debian: {@code haproxy nginx libnginx-mod-stream iperf3 wrk}).
 * With ngtcp2's {@code gtlsclient} and {@code gtlsserver} (Debian {@code ngtcp2-client},
 * {@code ngtcp2-server}) the run also starts the two QUIC servers and checks a handshake by SNI
 * through l4mux; without them it says that QUIC was skipped, and why, and passes.
 *
 * <p>Failsafe passes {@code l4mux.jar} (the jar) and {@code l4mux.projectDir}.
 */
class BenchScriptsIT {

  private static final List<String> TOOLS = List.of("haproxy", "nginx", "wrk", "iperf3");
  private static final List<String> QUIC_TOOLS = List.of("gtlsclient", "gtlsserver", "unshare");
  private static final List<String> EXPECTED =
      List.of("nginx-backend", "iperf3-server", "hold-backend", "haproxy", "nginx-stream", "l4mux");
  private static final Pattern L4MUX_QUIC_CHECKED =
      Pattern.compile("^bench: smoke: l4mux ok \\(.*, QUIC a/b by SNI\\)$", Pattern.MULTILINE);
  private static final Pattern STARTED =
      Pattern.compile("^bench: started pid (\\d+) \\((.+)\\)$", Pattern.MULTILINE);

  @Test
  void smokeRunStartsEveryProxyAndLeavesNoProcessBehind(@TempDir Path runDir) {
    List<String> missing = TOOLS.stream().filter(tool -> !onPath(tool)).collect(Collectors.toList());
    assumeTrue(missing.isEmpty(), () -> "benchmark tools not installed: " + missing);
    // The client's private /etc/hosts is a bind mount in a mount namespace of its own: root only.
    boolean quic =
        QUIC_TOOLS.stream().allMatch(BenchScriptsIT::onPath) && "root".equals(System.getProperty("user.name"));

    ExternalProcess.Result result = smoke(runDir, List.of());

    String output = result.stdout() + "\n" + result.stderr();
    List<String> expected = new ArrayList<>(EXPECTED);
    if (quic) {
      expected.addAll(List.of("quic-a", "quic-b"));
    }
    assertStartedAndStopped(result, expected);
    if (quic) {
      assertTrue(L4MUX_QUIC_CHECKED.matcher(result.stdout()).find(), () -> "no QUIC check by SNI through l4mux:\n" + output);
    } else {
      assertTrue(result.stdout().contains("bench: QUIC skipped: "), () -> output);
    }
    // BENCH_PEER_LOGS=on (the default): the peers log each connection, as l4mux does.
    assertTrue(peerLogLines(runDir.resolve("haproxy.log"), HAPROXY_TCPLOG) > 0, () -> "no tcplog line from HAProxy:\n" + output);
    assertTrue(peerLogLines(runDir.resolve("nginx-stream-access.log"), NGINX_SESSION) > 0, () -> "no access log line from nginx:\n" + output);
  }

  /** A HAProxy `option tcplog` line: client, accept date, frontend, backend/server. */
  private static final Pattern HAPROXY_TCPLOG =
      Pattern.compile("^127\\.0\\.0\\.1:\\d+ \\[\\d\\d/\\w{3}/\\d{4}:[\\d:.]+\\] \\w+ \\w+/\\w+ ", Pattern.MULTILINE);
  /** A line of the bench's nginx stream log_format: client, ISO time, protocol, status. */
  private static final Pattern NGINX_SESSION =
      Pattern.compile("^127\\.0\\.0\\.1:\\d+ \\[\\d{4}-\\d\\d-\\d\\dT[^\\]]+\\] (TCP|UDP) \\d{3} ", Pattern.MULTILINE);

  private static long peerLogLines(Path file, Pattern line) {
    try {
      return Files.isRegularFile(file) ? line.matcher(Files.readString(file)).results().count() : 0;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Without gtlsclient the smoke run says why QUIC was skipped, and everything else still runs;
   * with {@code BENCH_PEER_LOGS=off} the peers log no connection.
   */
  @Test
  void smokeRunWithoutTheQuicClientSkipsQuicAndSaysWhy(@TempDir Path runDir) {
    List<String> missing = TOOLS.stream().filter(tool -> !onPath(tool)).collect(Collectors.toList());
    assumeTrue(missing.isEmpty(), () -> "benchmark tools not installed: " + missing);
    Path absent = runDir.resolve("no-such-dir/gtlsclient");

    ExternalProcess.Result result = smoke(runDir, List.of("BENCH_GTLSCLIENT=" + absent, "BENCH_PEER_LOGS=off"));

    String output = result.stdout() + "\n" + result.stderr();
    assertStartedAndStopped(result, EXPECTED);
    assertTrue(result.stdout().contains("bench: QUIC skipped: " + absent + " not found"), () -> output);
    assertTrue(result.stdout().contains("bench: smoke: l4mux ok (") && !result.stdout().contains("QUIC a/b"), () -> output);
    assertEquals(0, peerLogLines(runDir.resolve("haproxy.log"), HAPROXY_TCPLOG), () -> output);
    assertTrue(Files.notExists(runDir.resolve("nginx-stream-access.log")), () -> output);
  }

  private static ExternalProcess.Result smoke(Path runDir, List<String> env) {
    Path projectDir = Path.of(System.getProperty("l4mux.projectDir", "."));
    Path jar = Path.of(System.getProperty("l4mux.jar", "target/l4mux.jar"));
    assertTrue(Files.isRegularFile(jar), () -> "no jar at " + jar);
    List<String> command = new ArrayList<>(List.of("env", "L4MUX_JAR=" + jar.toAbsolutePath(), "BENCH_RUN_DIR=" + runDir));
    command.addAll(env);
    command.addAll(List.of("bash", projectDir.resolve("bench/run.sh").toString(), "--smoke"));
    return ExternalProcess.run(command, new byte[0], Duration.ofSeconds(90));
  }

  private static void assertStartedAndStopped(ExternalProcess.Result result, List<String> expected) {
    String output = result.stdout() + "\n" + result.stderr();
    Map<Long, String> started = new LinkedHashMap<>();
    Matcher m = STARTED.matcher(result.stdout());
    while (m.find()) {
      started.put(Long.parseLong(m.group(1)), m.group(2));
    }
    List<String> left = new ArrayList<>();
    started.forEach(
        (pid, name) -> {
          if (ProcessHandle.of(pid).map(ExternalProcess::isRunning).orElse(false)) {
            left.add(pid + " (" + name + ")");
          }
        });
    assertAll(
        () -> assertEquals(0, result.exitCode(), () -> "bench/run.sh --smoke failed:\n" + output),
        () -> assertTrue(result.stdout().contains("bench: smoke ok"), () -> output),
        () ->
            assertTrue(
                started.values().containsAll(expected),
                () -> "expected " + expected + " to be started, got " + started),
        () -> assertEquals(List.of(), left, () -> "processes left running:\n" + output));
  }

  private static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
  }
}
