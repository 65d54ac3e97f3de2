package dev.l4mux.observe;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The facts of one ended UDP flow; its JSON form is the access log line (CONTRACT section 6, with
 * {@code transport: udp}, {@code quicVersion} and datagrams each way). Absent values are null.
 * {@code realClient} and {@code proxyTlvs} come from a trusted PROXY v2 DGRAM header.
 */
public record FlowEnded(
    Instant ts,
    long id,
    String node,
    String listener,
    String client,
    String realClient,
    Map<String, String> proxyTlvs,
    String protocol,
    String sni,
    List<String> alpn,
    String route,
    String backend,
    long bytesUp,
    long bytesDown,
    long datagramsUp,
    long datagramsDown,
    Long sniffMs,
    long durationMs,
    String closeReason,
    String quicVersion) {

  public FlowEnded {
    alpn = alpn == null ? List.of() : List.copyOf(alpn);
    proxyTlvs = proxyTlvs == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(proxyTlvs));
  }

  public String toJsonLine() {
    return appendJsonLine(new StringBuilder(384)).toString();
  }

  public StringBuilder appendJsonLine(StringBuilder out) {
    return JsonLine.begin(out)
        .field("ts", ts.toString())
        .field("id", id)
        .field("node", node)
        .field("listener", listener)
        .field("transport", "udp")
        .field("client", client)
        .field("realClient", realClient)
        .field("protocol", protocol)
        .field("sni", sni)
        .field("alpn", alpn)
        .field("host", (String) null)
        .field("route", route)
        .field("backend", backend)
        .field("bytesUp", bytesUp)
        .field("bytesDown", bytesDown)
        .field("datagramsUp", datagramsUp)
        .field("datagramsDown", datagramsDown)
        .field("sniffMs", sniffMs)
        .field("connectMs", (Long) null)
        .field("durationMs", durationMs)
        .field("closeReason", closeReason)
        .field("quicVersion", quicVersion)
        .field("proxyTlvs", proxyTlvs)
        .end();
  }
}
