package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.Ports;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code --version}, and the version in {@code /health} and {@code /api/cluster}: the Maven project's. */
class VersionIT {

  @Test
  void versionFlagPrintsTheProjectVersionAndExitsZero() {
    ExternalProcess.Result r = ExternalProcess.run(
        List.of(JarNode.javaBinary(), "-jar", JarNode.jar().toString(), "--version"), new byte[0], Duration.ofSeconds(30));

    assertEquals(0, r.exitCode(), r.stderr());
    String line = r.stdout().strip();
    assertTrue(line.matches("l4mux " + Pattern.quote(projectVersion()) + " \\(Vert\\.x 5\\.[0-9.]+, Netty 4\\.[0-9A-Za-z.]+, Java [0-9].*\\)"),
        "--version printed: " + line);
  }

  @Test
  void helpListsTheLogAndVersionOptions() {
    ExternalProcess.Result r = ExternalProcess.run(
        List.of(JarNode.javaBinary(), "-jar", JarNode.jar().toString(), "--help"), new byte[0], Duration.ofSeconds(30));

    assertTrue(r.stdout().contains("--version") && r.stdout().contains("--log-dir DIR") && r.stdout().contains("L4MUX_LOG_DIR"), r.stdout());
  }

  @Test
  void healthAndClusterViewReportTheVersion() throws Exception {
    try (JarNode node = JarNode.start("v1", Ports.freePort(), List.of(), List.of("-conf", "{}"))) {
      node.awaitReady(Duration.ofSeconds(30));

      JsonObject health = new JsonObject(node.get("/health").body());
      assertEquals("UP", health.getString("status"));
      assertEquals(projectVersion(), health.getString("version"));

      JsonObject cluster = new JsonObject(node.get("/api/cluster").body());
      assertEquals(projectVersion(), cluster.getString("l4muxVersion"), cluster.encodePrettily());
      JsonObject self = cluster.getJsonArray("nodes").getJsonObject(0);
      assertEquals("v1", self.getString("name"));
      assertEquals(projectVersion(), self.getString("l4muxVersion"), cluster.encodePrettily());
    }
  }

  /** The version in pom.xml, read independently of the build's filtering. */
  static String projectVersion() {
    try {
      String pom = Files.readString(Path.of(System.getProperty("l4mux.projectDir"), "pom.xml"));
      Matcher m = Pattern.compile("<artifactId>l4mux</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
      assertTrue(m.find(), "no project version in pom.xml");
      return m.group(1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
