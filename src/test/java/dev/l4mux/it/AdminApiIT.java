package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin API (CONTRACT section 4) with a bearer token: auth, config get/put, connections, routes, drain. */
class AdminApiIT {

  private static final String TOKEN = "s3cret-token";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private Vertx backends;
  private TaggedBackend echo;
  private L4muxTestNode node;

  @BeforeEach
  void start() throws Exception {
    backends = Vertx.vertx();
    echo = TaggedBackends.tcpEcho(backends, "echo").await(10, TimeUnit.SECONDS);
    node = L4muxTestNode.start(config(echo.port(), "10s"));
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    backends.close().await(10, TimeUnit.SECONDS);
  }

  private static String config(int backend, String idle) {
    return """
        admin: { listen: "127.0.0.1:0", token: "%s" }
        listeners:
          - { name: main, bind: ["127.0.0.1:0"] }
        routes:
          - name: echo
            backends: [ { address: "127.0.0.1:%d" } ]
            timeouts: { idle: %s }
        """.formatted(TOKEN, backend, idle);
  }

  @Test
  void apiNeedsTheBearerTokenButHealthAndMetricsDoNot() throws Exception {
    assertEquals(401, send("GET", "/api/config", null, null).statusCode());
    assertEquals(401, send("GET", "/api/config", null, "wrong").statusCode());
    assertEquals(200, send("GET", "/api/config", null, TOKEN).statusCode());
    assertEquals(200, send("GET", "/health", null, null).statusCode());
    assertEquals(200, send("GET", "/ready", null, null).statusCode());
    assertEquals(200, send("GET", "/metrics", null, null).statusCode());
  }

  @Test
  void invalidConfigIsRejectedWithPathNamedErrorsAndNothingChanges() throws Exception {
    HttpResponse<String> answer = send("PUT", "/api/config", """
        listeners:
          - { name: main, bind: ["127.0.0.1:0"], fallback: ghost }
        routes:
          - { name: echo, backends: [ { address: "nowhere" } ] }
        """, TOKEN);
    assertEquals(400, answer.statusCode(), answer.body());
    JsonArray errors = new JsonObject(answer.body()).getJsonArray("errors");
    assertEquals(List.of("listeners[0].fallback", "routes[0].backends[0].address"),
        errors.stream().map(e -> ((JsonObject) e).getString("path")).toList(), answer.body());
    assertEquals(1, version());
  }

  @Test
  void validConfigIsAppliedWithTheNextVersion() throws Exception {
    HttpResponse<String> answer = send("PUT", "/api/config", config(echo.port(), "20s"), TOKEN);
    assertEquals(200, answer.statusCode(), answer.body());
    assertEquals(2, new JsonObject(answer.body()).getLong("version"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (version() != 2 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(2, version());
    assertEquals("20s", new JsonObject(send("GET", "/api/config", null, TOKEN).body())
        .getJsonObject("config").getJsonArray("routes").getJsonObject(0).getJsonObject("timeouts").getString("idle"));
  }

  @Test
  void listsAndClosesOneConnection() throws Exception {
    try (Socket kept = connect(); Socket closed = connect()) {
      JsonArray open = awaitConnections(2);
      long id = open.getJsonObject(1).getLong("id");
      JsonObject described = open.getJsonObject(1);
      assertEquals("main", described.getString("listener"));
      assertEquals("echo", described.getString("route"));
      assertEquals("127.0.0.1:" + echo.port(), described.getString("backend"));
      assertEquals(200, send("DELETE", "/api/connections/" + id, null, TOKEN).statusCode());
      assertEquals(404, send("DELETE", "/api/connections/" + id + "999", null, TOKEN).statusCode());
      JsonArray after = awaitConnections(1);
      assertTrue(after.stream().noneMatch(c -> ((JsonObject) c).getLong("id") == id));
      // One of the two sockets was closed by the proxy; the other still echoes.
      int alive = 0;
      for (Socket s : List.of(kept, closed)) {
        alive += echoes(s) ? 1 : 0;
      }
      assertEquals(1, alive);
    }
  }

  @Test
  void routesAndClusterViewDescribeTheNode() throws Exception {
    JsonObject routes = new JsonObject(send("GET", "/api/routes", null, TOKEN).body());
    JsonObject route = routes.getJsonArray("routes").getJsonObject(0);
    assertEquals("echo", route.getString("name"));
    assertEquals(true, route.getJsonArray("backends").getJsonObject(0).getBoolean("up"));
    JsonObject cluster = new JsonObject(send("GET", "/api/cluster", null, TOKEN).body());
    assertEquals(1, cluster.getJsonArray("nodes").size());
    assertEquals(node.state().nodeName(), cluster.getJsonArray("nodes").getJsonObject(0).getString("name"));
    assertEquals(1, cluster.getJsonArray("nodes").getJsonObject(0).getLong("version"));
    assertEquals(200, send("GET", "/", null, null).statusCode(), "dashboard");
  }

  @Test
  void drainStopsAcceptingReportsNotReadyAndWaitsForOpenConnections() throws Exception {
    int port = node.port("main");
    try (Socket open = connect()) {
      awaitConnections(1);
      assertEquals(202, send("POST", "/api/drain", null, TOKEN).statusCode());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (send("GET", "/ready", null, null).statusCode() != 503 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(503, send("GET", "/ready", null, null).statusCode());
      // New connections are refused while the open one keeps flowing.
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      boolean refused = false;
      while (!refused && System.nanoTime() < deadline) {
        try {
          new Socket("127.0.0.1", port).close();
          Thread.sleep(50);
        } catch (java.net.ConnectException e) {
          refused = true;
        }
      }
      assertTrue(refused, "the listener still accepts");
      assertTrue(echoes(open), "the open connection still flows");
    }
  }

  private Socket connect() throws Exception {
    Socket socket = new Socket("127.0.0.1", node.port("main"));
    socket.setSoTimeout(5000);
    assertTrue(echoes(socket));
    return socket;
  }

  private static boolean echoes(Socket socket) {
    try {
      socket.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
      byte[] buffer = new byte[5];
      int n = socket.getInputStream().readNBytes(buffer, 0, 5);
      return n == 5 && new String(buffer, StandardCharsets.UTF_8).equals("ping\n");
    } catch (Exception e) {
      return false;
    }
  }

  private JsonArray awaitConnections(int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    JsonArray open;
    do {
      open = new JsonObject(send("GET", "/api/connections", null, TOKEN).body()).getJsonArray("connections");
      if (open.size() == count && open.stream().allMatch(c -> "relaying".equals(((JsonObject) c).getString("phase")))) {
        return open;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("expected " + count + " relaying connections, got " + open.encodePrettily());
  }

  private long version() throws Exception {
    return new JsonObject(send("GET", "/api/config", null, TOKEN).body()).getLong("version");
  }

  private HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
