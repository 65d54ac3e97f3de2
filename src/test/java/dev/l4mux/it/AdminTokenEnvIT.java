package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.l4mux.testsupport.Ports;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code L4MUX_ADMIN_TOKEN} sets the admin token node-locally (a container's or a pod's secret),
 * like {@code L4MUX_ADMIN_LISTEN} sets the address: {@code /api} then needs it; health does not.
 */
class AdminTokenEnvIT {

  @Test
  void tokenFromTheEnvironmentGuardsTheApi() throws Exception {
    int admin = Ports.freePort();
    try (JarNode node = JarNode.start("tok", admin, List.of("L4MUX_ADMIN_TOKEN=from-env"), List.of("-conf", "{}"))) {
      node.awaitReady(Duration.ofSeconds(30));
      HttpClient http = HttpClient.newHttpClient();
      URI config = URI.create("http://127.0.0.1:" + admin + "/api/config");

      assertEquals(401, node.get("/api/config").statusCode());
      assertEquals(200, http.send(HttpRequest.newBuilder(config).header("Authorization", "Bearer from-env").build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(401, http.send(HttpRequest.newBuilder(config).header("Authorization", "Bearer wrong").build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(200, node.get("/health").statusCode(), "health needs no token");
    }
  }
}
