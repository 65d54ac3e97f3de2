package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.bus.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Active health with real backends: a killed backend is marked down within {@code fall x
 * interval} plus one interval, no client sees an error meanwhile (the other backend takes its
 * retries), and it is taken back after {@code rise} successes once it listens again. The flips
 * show in {@code /api/routes} with their reason, in the metrics and on {@code l4mux.health.changed}.
 */
class ActiveHealthIT {

  private static final long INTERVAL_MS = 300;
  private static final int FALL = 2;
  private static final int RISE = 2;
  /** Scheduling slack on a shared two-core machine, on top of the contract's bound. */
  private static final long SLACK_MS = 2_000;

  @Test
  void aKilledBackendIsMarkedDownInTimeWithoutClientErrorsAndTakenBack() throws Exception {
    Vertx backends = Vertx.vertx();
    try {
      HttpServer a = http(backends, "a", 0);
      HttpServer b = http(backends, "b", 0);
      int portB = b.actualPort();
      String addressB = "127.0.0.1:" + portB;
      try (L4muxTestNode node = L4muxTestNode.start("""
              admin: { listen: "127.0.0.1:0" }
              defaults: { timeouts: { connect: 500ms } }
              listeners: [ { name: edge, bind: ["127.0.0.1:0"] } ]
              routes:
                - name: web
                  health: { kind: http, path: /healthz, interval: %dms, timeout: 200ms, rise: %d, fall: %d }
                  backends: [ { address: "127.0.0.1:%d" }, { address: "%s" } ]
              """.formatted(INTERVAL_MS, RISE, FALL, a.actualPort(), addressB))) {
        List<JsonObject> published = new CopyOnWriteArrayList<>();
        node.vertx().eventBus().<JsonObject>consumer(Addresses.HEALTH_CHANGED, m -> published.add(m.body()));
        awaitBackend(node, addressB, j -> j.getJsonObject("active").getString("lastCheck") != null, 10_000);

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> errors = new CopyOnWriteArrayList<>();
        Thread clients = new Thread(() -> {
          while (running.get()) {
            try {
              String answer = get(node.port("edge"));
              if (answer.startsWith("HTTP/1.1 200 ")) {
                ok.incrementAndGet();
              } else {
                errors.add(answer);
              }
            } catch (IOException e) {
              errors.add(e.toString());
            }
          }
        });
        clients.start();
        try {
          b.close().await(10, TimeUnit.SECONDS);
          long killed = System.nanoTime();
          JsonObject down = awaitBackend(node, addressB, j -> !j.getBoolean("eligible"), 15_000);
          long downAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
          assertTrue(down.getString("reason").startsWith("active check: connect failed"), down.encode());
          assertFalse(down.getBoolean("up"));

          HttpServer back = http(backends, "b", portB);
          long restarted = System.nanoTime();
          awaitBackend(node, addressB, j -> j.getBoolean("eligible"), 15_000);
          long upAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
          System.out.printf("active health: down after %d ms (bound %d), up after %d ms (bound %d); %d requests%n",
              downAfter, FALL * INTERVAL_MS + INTERVAL_MS, upAfter, RISE * INTERVAL_MS + INTERVAL_MS, ok.get());
          assertTrue(downAfter <= FALL * INTERVAL_MS * 11 / 10 + INTERVAL_MS + SLACK_MS, "marked down after " + downAfter + " ms");
          assertTrue(upAfter <= RISE * INTERVAL_MS * 11 / 10 + INTERVAL_MS + SLACK_MS, "taken back after " + upAfter + " ms");
          back.close().await(10, TimeUnit.SECONDS);
        } finally {
          running.set(false);
          clients.join(20_000);
        }
        assertEquals(List.of(), errors, "no client saw an error while another backend was healthy");
        assertTrue(ok.get() > 0);

        String metrics = node.admin("/metrics").body();
        assertTrue(MetricsText.sum(metrics, "l4mux_health_checks_total", "backend=\"" + addressB + "\"", "result=\"failure\"") >= FALL);
        assertTrue(MetricsText.sum(metrics, "l4mux_health_checks_total", "route=\"web\"", "result=\"success\"") >= RISE);
        List<Boolean> flips = published.stream().filter(j -> j.getString("backend").equals(addressB)).map(j -> j.getBoolean("up")).toList();
        assertTrue(flips.containsAll(List.of(true, false)), "published verdicts for b: " + published);
        assertEquals(node.state().nodeName(), published.get(0).getString("node"));
        JsonObject opinions = backendJson(node, addressB).getJsonObject("nodes");
        assertNotNull(opinions.getJsonObject(node.state().nodeName() + "/http"), opinions.encode());
      }
    } finally {
      backends.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static HttpServer http(Vertx vertx, String tag, int port) throws Exception {
    return vertx.createHttpServer()
        .requestHandler(r -> r.response().putHeader("X-Backend", tag).end(tag))
        .listen(port, "127.0.0.1").await(30, TimeUnit.SECONDS);
  }

  private static JsonObject backendJson(L4muxTestNode node, String address) throws Exception {
    JsonObject routes = new JsonObject(node.admin("/api/routes").body());
    for (Object b : routes.getJsonArray("routes").getJsonObject(0).getJsonArray("backends")) {
      JsonObject backend = (JsonObject) b;
      if (backend.getString("address").equals(address)) {
        return backend;
      }
    }
    throw new AssertionError("no backend " + address + " in " + routes.encode());
  }

  private static JsonObject awaitBackend(L4muxTestNode node, String address, Predicate<JsonObject> condition, long timeoutMs) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    JsonObject last;
    do {
      last = backendJson(node, address);
      if (condition.test(last)) {
        return last;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("backend " + address + " never reached the state; last " + last.encode());
  }

  private static String get(int port) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      s.getInputStream().transferTo(out);
      return out.toString(StandardCharsets.US_ASCII);
    }
  }
}
