package dev.l4mux.relay;

import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.observe.TlsFacts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** An open connection as the admin API shows it (CONTRACT section 4, {@code GET /api/connections}). */
public record ConnectionSnapshot(
    long id,
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
    long ageMs,
    Instant openedAt,
    String phase,
    Map<String, String> proxyTlvs,
    TlsFacts tls) {

  /**
   * The access log's record of the connection (CONTRACT section 6) when this view was taken as it
   * closed: what the view shows, the time, and how the connection went and ended.
   */
  ConnectionClosed closed(String node, Long sniffMs, Long connectMs, String closeReason) {
    return new ConnectionClosed(Instant.now(), id, node, listener, client, realClient, protocol, sni, alpn, host, route, backend,
        bytesUp, bytesDown, sniffMs, connectMs, ageMs, closeReason, proxyTlvs, tls);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("listener", listener)
        .put("client", client)
        .put("realClient", realClient)
        .put("protocol", protocol)
        .put("sni", sni)
        .put("alpn", new JsonArray(List.copyOf(alpn)))
        .put("host", host)
        .put("route", route)
        .put("backend", backend)
        .put("bytesUp", bytesUp)
        .put("bytesDown", bytesDown)
        .put("ageMs", ageMs)
        .put("openedAt", openedAt.toString())
        .put("phase", phase)
        .put("proxyTlvs", proxyTlvs == null ? null : new JsonObject(new java.util.LinkedHashMap<String, Object>(proxyTlvs)))
        .put("tls", tls == null ? null : new JsonObject()
            .put("mode", tls.mode())
            .put("version", tls.version())
            .put("cipher", tls.cipher())
            .put("alpn", tls.alpn())
            .put("clientCertSubject", tls.clientCertSubject()));
  }
}
