package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.UnreachableBackend;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Retries with real loopback backends: a backend whose connects hang (full accept queue) and one
 * that refuses are skipped within {@code retries}, and the client's request, read before any
 * backend was chosen, reaches the backend that finally connects. Beyond {@code retries} the
 * client gets the 502 of {@code backend_unavailable}.
 */
class RetriesIT {

  @Test
  void aHangingAndARefusingBackendAreRetriedPastAndTheRequestArrivesWhole() throws Exception {
    Vertx vertx = Vertx.vertx();
    int refused = Ports.freePort();
    int refusedToo = Ports.freePort();
    try (UnreachableBackend hanging = UnreachableBackend.start()) {
      TaggedBackend live = TaggedBackends.http(vertx, "live").await(10, TimeUnit.SECONDS);
      try (L4muxTestNode node = L4muxTestNode.start("""
              admin: { listen: "127.0.0.1:0" }
              defaults: { timeouts: { connect: 300ms } }
              listeners: [ { name: edge, bind: ["127.0.0.1:0"] } ]
              routes:
                - name: two-retries
                  match: { host: ["two.test"] }
                  balance: first
                  backends: [ { address: "127.0.0.1:%d" }, { address: "127.0.0.1:%d" }, { address: "127.0.0.1:%d" } ]
                - name: one-retry
                  match: { host: ["one.test"] }
                  balance: first
                  retries: 1
                  backends: [ { address: "127.0.0.1:%d" }, { address: "127.0.0.1:%d" }, { address: "127.0.0.1:%d" } ]
              """.formatted(hanging.port(), refused, live.port(), refused, refusedToo, live.port()))) {
        int port = node.port("edge");
        // Ten clients at once: each finds the hanging backend first (no verdict on it yet).
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
          List<Future<String>> answers = new ArrayList<>();
          for (int i = 0; i < 10; i++) {
            answers.add(pool.submit(() -> get(port, "two.test")));
          }
          for (Future<String> a : answers) {
            String answer = a.get(30, TimeUnit.SECONDS);
            assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
            assertTrue(answer.endsWith("live"), answer);
          }
        } finally {
          pool.shutdownNow();
        }
        assertEquals(10, live.acceptedConnections(), "every request reached the live backend, once");

        String beyond = get(port, "one.test");
        assertTrue(beyond.startsWith("HTTP/1.1 502 "), "two refusing backends, one retry: " + beyond);
        assertEquals(10, live.acceptedConnections(), "the third backend was never tried");
        // Both refusing backends now carry a failed verdict and go last: the live one is first.
        assertTrue(get(port, "one.test").endsWith("live"));
        String metrics = node.admin("/metrics").body();
        assertEquals(1.0, MetricsText.sum(metrics, "l4mux_rejections_total", "reason=\"backend_unavailable\""));
        assertEquals(0.0, MetricsText.sum(metrics, "l4mux_backend_up", "route=\"two-retries\"", "backend=\"127.0.0.1:" + hanging.port() + "\""));
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static String get(int port, String host) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.US_ASCII);
    }
  }
}
