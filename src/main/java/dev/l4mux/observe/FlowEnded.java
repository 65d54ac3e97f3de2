package dev.l4mux.observe;

import java.time.Instant;
import java.util.List;

/**
 * The facts of one ended UDP flow; its JSON form is the access log line (CONTRACT section 6, with
 * {@code transport: udp}, {@code quicVersion} and datagrams each way). Absent values are null.
 */
public record FlowEnded(
    Instant ts,
    long id,
    String node,
    String listener,
    String client,
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
        .field("realClient", (String) null)
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
        .end();
  }
}
