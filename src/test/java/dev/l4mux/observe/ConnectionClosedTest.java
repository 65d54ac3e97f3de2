package dev.l4mux.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionClosedTest {

  private static final List<String> CONTRACT_FIELDS = List.of("ts", "id", "listener", "client", "realClient", "protocol",
      "sni", "alpn", "host", "route", "backend", "bytesUp", "bytesDown", "sniffMs", "connectMs", "durationMs", "closeReason");

  @Test
  void lineIsOneJsonObjectWithEveryContractField() {
    ConnectionClosed closed = new ConnectionClosed(Instant.parse("2026-12-01T10:00:00.123Z"), 42, "n1", "edge",
        "127.0.0.1:5000", null, "tls", "a.example", List.of("h2", "http/1.1"), null, "web", "127.0.0.1:8443",
        100, 2000, 3L, null, 17, "client_closed");

    JsonObject json = new JsonObject(closed.toJsonLine());

    CONTRACT_FIELDS.forEach(field -> assertEquals(true, json.containsKey(field), field));
    assertEquals("2026-12-01T10:00:00.123Z", json.getString("ts"));
    assertEquals(42L, json.getLong("id"));
    assertEquals("n1", json.getString("node"));
    assertEquals(new JsonArray(List.of("h2", "http/1.1")), json.getJsonArray("alpn"));
    assertNull(json.getValue("realClient"));
    assertNull(json.getValue("host"));
    assertNull(json.getValue("connectMs"));
    assertEquals(3L, json.getLong("sniffMs"));
    assertEquals(2000L, json.getLong("bytesDown"));
    assertEquals("client_closed", json.getString("closeReason"));
    assertEquals("tcp", json.getString("transport"));
  }

  @Test
  void hostileStringsAreEscapedAndStayOnOneLine() {
    String sni = "q\"uote\\back\nline\r\ttab\u0000nul\u001fus\u2028ls\u2029ps \u00e9\u4e2d\ud83d\ude00";
    ConnectionClosed closed = new ConnectionClosed(Instant.EPOCH, 1, "n", "l", null, null, "tls", sni, List.of("a\"b"),
        "h\\", null, null, 0, 0, null, null, 0, "x");

    String line = closed.toJsonLine();
    JsonObject json = new JsonObject(line);

    assertEquals(sni, json.getString("sni"));
    assertEquals("h\\", json.getString("host"));
    assertEquals(new JsonArray(List.of("a\"b")), json.getJsonArray("alpn"));
    assertFalse(line.contains("\n") || line.contains("\r") || line.contains("\u2028") || line.contains("\u2029"), line);
  }

  @Test
  void emptyAlpnIsNull() {
    ConnectionClosed closed = new ConnectionClosed(Instant.EPOCH, 1, "n", "l", null, null, "unknown", null, List.of(),
        null, null, null, 0, 0, null, null, 0, "client_closed");
    assertNull(new JsonObject(closed.toJsonLine()).getValue("alpn"));
  }
}
