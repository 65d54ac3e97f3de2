package dev.l4mux.observe;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * The facts of one finished connection, published on {@code l4mux.connection.events}; the access
 * log line (CONTRACT section 6) is its JSON form. Absent values are null.
 */
public record ConnectionClosed(
    Instant ts,
    long id,
    String node,
    String listener,
    String client,
    String realClient,
    String protocol,
    String sni,
    List<String> alpn,
    String host,
    String route,
    String backend,
    long bytesUp,
    long bytesDown,
    Long sniffMs,
    Long connectMs,
    long durationMs,
    String closeReason) {

  public ConnectionClosed {
    alpn = alpn == null ? List.of() : List.copyOf(alpn);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("ts", ts.toString())
        .put("id", id)
        .put("node", node)
        .put("listener", listener)
        .put("client", client)
        .put("realClient", realClient)
        .put("protocol", protocol)
        .put("sni", sni)
        .put("alpn", alpn.isEmpty() ? null : new JsonArray(List.copyOf(alpn)))
        .put("host", host)
        .put("route", route)
        .put("backend", backend)
        .put("bytesUp", bytesUp)
        .put("bytesDown", bytesDown)
        .put("sniffMs", sniffMs)
        .put("connectMs", connectMs)
        .put("durationMs", durationMs)
        .put("closeReason", closeReason);
  }
}
