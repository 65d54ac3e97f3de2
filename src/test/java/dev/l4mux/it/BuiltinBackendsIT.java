package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.l4mux.config.HostPort;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Built-in backends inside a node: active health checks of each kind pass on them, and a reload
 * that stops naming one closes it while one that names it again binds it anew.
 */
class BuiltinBackendsIT {

  private static final String CONFIG = """
      admin: { listen: "127.0.0.1:0" }
      listeners: [ { name: edge, bind: ["127.0.0.1:0"] } ]
      routes:
        - name: web
          match: { protocol: http }
          health: { kind: tcp, interval: 500ms, timeout: 500ms, rise: 1 }
          backends: [ { address: "builtin:http" } ]
        - name: secure
          match: { protocol: tls }
          health: { kind: tls, sni: check.localhost, interval: 500ms, timeout: 500ms, rise: 1 }
          backends: [ { address: "builtin:tls" } ]
        %s
      """;

  private static final String ECHO_ROUTE = """
      - name: echo
          match: { protocol: unknown }
          health: { kind: send_expect, send: "PING\\r\\n", expect: "PING", interval: 500ms, timeout: 500ms, rise: 1 }
          backends: [ { address: "builtin:echo" } ]
      """;

  @Test
  void healthChecksPassOnEachAndAReloadClosesAndRebindsThem() throws Exception {
    try (L4muxTestNode node = L4muxTestNode.start(CONFIG.formatted(ECHO_ROUTE.strip()))) {
      awaitCheck(node, "web", "connected");
      awaitCheck(node, "secure", "handshake completed");
      awaitCheck(node, "echo", "reply matched");
      assertEquals("ping\n", echo(node.port("edge"), "ping\n"));

      Supplier<InetSocketAddress> echoAddress = () -> node.state().backendStates().builtins().address(HostPort.builtin("builtin:echo"), false);
      InetSocketAddress before = echoAddress.get();
      assertNotNull(before);
      node.rewriteConfig(CONFIG.formatted(""));
      awaitTrue(() -> echoAddress.get() == null, "builtin:echo closed after its route went");
      awaitTrue(() -> !listening(before), "builtin:echo's port closed");

      node.rewriteConfig(CONFIG.formatted(ECHO_ROUTE.strip()));
      awaitTrue(() -> echoAddress.get() != null, "builtin:echo bound again");
      awaitTrue(() -> node.state().routeTable().config().route("echo").isPresent(), "echo route back");
      assertEquals("again\n", echo(node.port("edge"), "again\n"));
    }
  }

  /**
   * Waits for the route's check to report {@code reason} (a first check on a cold JVM may time out:
   * the first TLS handshake mints a certificate and builds both TLS contexts).
   */
  private static void awaitCheck(L4muxTestNode node, String route, String reason) throws Exception {
    String last = null;
    for (int i = 0; i < 200; i++) {
      JsonArray routes = new JsonObject(node.admin("/api/routes").body()).getJsonArray("routes");
      for (int r = 0; r < routes.size(); r++) {
        JsonObject json = routes.getJsonObject(r);
        if (json.getString("name").equals(route)) {
          JsonObject active = json.getJsonArray("backends").getJsonObject(0).getJsonObject("active");
          last = active == null ? null : active.getString("reason");
          if (reason.equals(last) && active.getBoolean("up")) {
            return;
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("route " + route + ": check reports " + last + ", not " + reason);
  }

  private static String echo(int port, String text) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      return new String(in.readNBytes(text.length()), StandardCharsets.US_ASCII);
    }
  }

  private static boolean listening(InetSocketAddress address) {
    try (Socket s = new Socket()) {
      s.connect(address, 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void awaitTrue(Supplier<Boolean> condition, String what) throws InterruptedException {
    for (int i = 0; i < 200 && !condition.get(); i++) {
      Thread.sleep(50);
    }
    if (!condition.get()) {
      throw new AssertionError(what);
    }
  }
}
