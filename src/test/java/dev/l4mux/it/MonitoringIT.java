package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/monitoring/: the alert rules pass {@code promtool check rules} and their own
 * {@code promtool test rules} cases (Debian's {@code prometheus} package); the Grafana dashboard
 * parses, and every metric it queries is in a live node's {@code /metrics} once a connection has
 * been sniffed, routed and relayed.
 */
class MonitoringIT {

  private static final Path MONITORING = Path.of(System.getProperty("l4mux.projectDir", "."), "docs", "monitoring");
  private static final Pattern METRIC = Pattern.compile("\\b((?:l4mux|process|jvm)_[a-z_]+)\\b");

  @TempDir Path dir;

  @Test
  void alertRulesPassPromtoolCheckAndTheirTests() {
    ExternalProcess.Result check = promtool("check", "rules", MONITORING.resolve("l4mux-alerts.yaml").toString());
    assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
    assertTrue(check.stdout().contains("SUCCESS: 8 rules found"), check.stdout());

    ExternalProcess.Result test = promtool("test", "rules", MONITORING.resolve("l4mux-alerts.test.yaml").toString());
    assertEquals(0, test.exitCode(), test.stdout() + test.stderr());
  }

  @Test
  void everyDashboardMetricIsExportedByALiveNode() throws Exception {
    JsonObject dashboard = new JsonObject(Files.readString(MONITORING.resolve("l4mux-dashboard.json")));
    Set<String> queried = new TreeSet<>();
    for (Object p : dashboard.getJsonArray("panels")) {
      JsonArray targets = ((JsonObject) p).getJsonArray("targets");
      assertTrue(targets != null && !targets.isEmpty(), "panel without a query: " + p);
      for (Object t : targets) {
        Matcher m = METRIC.matcher(((JsonObject) t).getString("expr"));
        while (m.find()) {
          queried.add(m.group(1));
        }
      }
    }
    assertTrue(queried.size() >= 10, "metrics queried: " + queried);

    Vertx vertx = Vertx.vertx();
    try {
      TaggedBackend web = TaggedBackends.http(vertx, "web").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      int listener = Ports.freePort();
      Path config = dir.resolve("l4mux.yaml");
      Files.writeString(config, """
          listeners:
            - name: edge
              bind: ["127.0.0.1:%d"]
          routes:
            - name: web
              match: { protocol: http, host: ["www.example.com"] }
              backends: [ { address: "127.0.0.1:%d" } ]
          """.formatted(listener, web.port()));
      try (JarNode node = JarNode.start("mon", Ports.freePort(), List.of(), List.of("-conf", config.toString()))) {
        node.awaitReady(Duration.ofSeconds(30));
        assertTrue(request(listener, "www.example.com").contains("X-Backend: web"));
        assertTrue(request(listener, "nobody.example.com").startsWith("HTTP/1.1 404"));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Set<String> missing;
        do {
          Set<String> exported = node.get("/metrics").body().lines()
              .filter(l -> !l.startsWith("#") && !l.isBlank())
              .map(l -> l.split("[{ ]", 2)[0])
              .collect(Collectors.toSet());
          missing = queried.stream().filter(name -> !exported.contains(name)).collect(Collectors.toCollection(TreeSet::new));
          Thread.sleep(200); // the closed connection's facts reach the meters in a batch
        } while (!missing.isEmpty() && System.nanoTime() < deadline);
        assertEquals(Set.of(), missing, "queried by docs/monitoring/l4mux-dashboard.json but not in /metrics");
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static String request(int port, String host) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static ExternalProcess.Result promtool(String... args) {
    List<String> command = new java.util.ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    try {
      return ExternalProcess.run(command, new byte[0], Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      throw new AssertionError("promtool (Debian package prometheus, installed by .ci/run) could not run: " + e.getMessage(), e);
    }
  }
}
