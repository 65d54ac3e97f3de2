package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP {@code Connection: close} at full speed through the real jar (its own process, one event
 * loop per core, as operators run it), driven by wrk: every request must be answered by the
 * backend. Found by the benchmark: a backend connect opened while Netty was still dispatching one
 * epoll batch could get the descriptor number of a socket closed earlier in that batch, whose
 * stale events then closed the new socket mid-connect (a few 502s per 60,000 requests); see
 * {@code ProxiedConnection#connectSoon}.
 */
class ConnectionChurnIT {

  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");

  @Test
  void everyRequestIsAnsweredWhenBothSidesChurn(@TempDir Path dir) throws Exception {
    assumeTrue(onPath("wrk"), "wrk is not installed (.ci/run installs it)");
    Vertx vertx = Vertx.vertx();
    TaggedBackend web = TaggedBackends.http(vertx, "web").await(10, TimeUnit.SECONDS);
    int edge = Ports.freePort();
    Path config = dir.resolve("l4mux.yaml");
    Files.writeString(config, """
        listeners:
          - { name: edge, bind: ["127.0.0.1:%d"], fallback: reject }
        routes:
          - { name: web, match: { protocol: http, host: ["web.test"] }, backends: [ { address: "127.0.0.1:%d" } ] }
        """.formatted(edge, web.port()));
    try (JarNode node = JarNode.start("churn", Ports.freePort(), List.of(), List.of("-conf", config.toString()))) {
      node.awaitReady(Duration.ofSeconds(30));
      long requests = 0;
      for (int run = 0; run < 2; run++) { // the first run also warms the JIT
        ExternalProcess.Result wrk = ExternalProcess.run(List.of(
            "wrk", "-t2", "-c50", "-d8s", "-H", "Host: web.test", "-H", "Connection: close",
            "http://127.0.0.1:" + edge + "/"), new byte[0], Duration.ofSeconds(60));
        String out = wrk.stdout();
        System.out.printf("churn, wrk run %d: %s%n", run, out.replaceAll("\\s+", " "));
        Matcher total = REQUESTS.matcher(out);
        assertTrue(total.find(), "wrk ran: " + out + wrk.stderr());
        requests += Long.parseLong(total.group(1));
        String stderr = node.process().stderr();
        assertTrue(!out.contains("Non-2xx") && !out.contains("Socket errors"),
            "every request through l4mux is answered by the backend: " + out
                + "\nnode log (tail):\n" + stderr.substring(Math.max(0, stderr.length() - 4000)));
      }
      assertEquals(0, node.metric("l4mux_rejections_total"), "rejections after " + requests + " requests");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static boolean onPath(String program) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }
}
