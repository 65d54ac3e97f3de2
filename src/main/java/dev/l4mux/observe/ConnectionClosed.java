package dev.l4mux.observe;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The facts of one finished connection, published on {@code l4mux.connection.events}; the access
 * log line (CONTRACT section 6) is its JSON form. Absent values are null.
 *
 * @param client the peer that connected
 * @param realClient the client a trusted PROXY header named, or null
 * @param proxyTlvs that header's TLVs ({@code ProxyTlv.describe}), or null
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
    String closeReason,
    Map<String, String> proxyTlvs,
    TlsFacts tls) {

  public ConnectionClosed {
    alpn = alpn == null ? List.of() : List.copyOf(alpn);
    proxyTlvs = proxyTlvs == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(proxyTlvs));
  }

  /** A connection without PROXY TLVs. */
  public ConnectionClosed(Instant ts, long id, String node, String listener, String client, String realClient,
      String protocol, String sni, List<String> alpn, String host, String route, String backend, long bytesUp,
      long bytesDown, Long sniffMs, Long connectMs, long durationMs, String closeReason) {
    this(ts, id, node, listener, client, realClient, protocol, sni, alpn, host, route, backend, bytesUp, bytesDown,
        sniffMs, connectMs, durationMs, closeReason, null, null);
  }

  /** The access log line (CONTRACT section 6): one JSON object, absent values as null. */
  public String toJsonLine() {
    return appendJsonLine(new StringBuilder(384)).toString();
  }

  /** Appends the access log line to {@code out}, without a line break. */
  public StringBuilder appendJsonLine(StringBuilder out) {
    JsonLine line = JsonLine.begin(out)
        .field("ts", ts.toString())
        .field("id", id)
        .field("node", node)
        .field("listener", listener)
        .field("client", client)
        .field("realClient", realClient)
        .field("protocol", protocol)
        .field("sni", sni)
        .field("alpn", alpn)
        .field("host", host)
        .field("route", route)
        .field("backend", backend)
        .field("bytesUp", bytesUp)
        .field("bytesDown", bytesDown)
        .field("sniffMs", sniffMs)
        .field("connectMs", connectMs)
        .field("durationMs", durationMs)
        .field("closeReason", closeReason)
        .field("proxyTlvs", proxyTlvs)
        .field("transport", "tcp"); // a UDP flow's line says udp (FlowEnded): one log, told apart per line
    if (tls != null) { // only where l4mux terminated TLS (CONTRACT section 6: "where they apply")
      line.field("tlsMode", tls.mode())
          .field("tlsVersion", tls.version())
          .field("tlsCipher", tls.cipher())
          .field("tlsAlpn", tls.alpn())
          .field("clientCertSubject", tls.clientCertSubject());
    }
    return line.end();
  }
}
