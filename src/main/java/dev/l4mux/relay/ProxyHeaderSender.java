package dev.l4mux.relay;

import dev.l4mux.config.ProxyProtocolSend;
import dev.l4mux.sniff.Sniffed;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderWriter;
import dev.l4mux.sniff.proxy.ProxyTlv;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The PROXY header a route sends to its backend (CONTRACT section 3, {@code routes[].proxyProtocol}),
 * written right after the connect, before the replayed prefix or any client byte, so a backend that
 * speaks first still learns who the client is.
 *
 * <p>v2 carries AUTHORITY (the sniffed SNI, else the HTTP Host), ALPN (the first sniffed id),
 * UNIQUE_ID ({@code <node>:<connection id>}), the TLV types listed in {@code tlvs.forward} copied
 * from a trusted upstream header (replacing a generated TLV of the same type, so a chain keeps the
 * first proxy's values), the {@code tlvs.add} TLVs, and CRC32C last.
 */
public final class ProxyHeaderSender {

  private ProxyHeaderSender() {}

  /**
   * The header to write, or null when the route sends none.
   *
   * @param source the real client
   * @param destination the address the client connected to
   * @param upstream the trusted header this connection came with, or null
   */
  static ByteBuf header(ProxyProtocolSend send, InetSocketAddress source, InetSocketAddress destination, Sniffed facts,
      String uniqueId, ProxyHeader upstream) {
    if (!send.sends() || source == null || destination == null) {
      return null;
    }
    if (send.version() == ProxyProtocolSend.Version.V1) {
      return Unpooled.wrappedBuffer(ProxyHeaderWriter.v1(source, destination));
    }
    return Unpooled.wrappedBuffer(ProxyHeaderWriter.v2(source, destination, ProxyHeader.Transport.STREAM,
        tlvs(send, facts, uniqueId, upstream), true));
  }

  /** The TLVs of a v2 header (also a UDP flow's, {@code udp.FlowProxyHeader}), in the order written. */
  public static List<ProxyTlv> tlvs(ProxyProtocolSend send, Sniffed facts, String uniqueId, ProxyHeader upstream) {
    List<ProxyTlv> forwarded = new ArrayList<>();
    if (upstream != null) {
      for (ProxyTlv tlv : upstream.tlvs()) {
        if (send.forward().contains(tlv.type())) {
          forwarded.add(tlv);
        }
      }
    }
    List<ProxyTlv> out = new ArrayList<>();
    String authority = facts.sni() != null ? facts.sni() : facts.host();
    addUnlessForwarded(out, forwarded, ProxyTlv.AUTHORITY, authority);
    addUnlessForwarded(out, forwarded, ProxyTlv.ALPN, facts.alpn().isEmpty() ? null : facts.alpn().get(0));
    boolean fits = uniqueId != null && uniqueId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= ProxyTlv.MAX_UNIQUE_ID_LENGTH;
    addUnlessForwarded(out, forwarded, ProxyTlv.UNIQUE_ID, fits ? uniqueId : null);
    out.addAll(forwarded);
    for (Map.Entry<Integer, String> add : send.add().entrySet()) {
      out.add(ProxyTlv.text(add.getKey(), add.getValue()));
    }
    return out;
  }

  private static void addUnlessForwarded(List<ProxyTlv> out, List<ProxyTlv> forwarded, int type, String value) {
    if (value != null && forwarded.stream().noneMatch(t -> t.type() == type)) {
      out.add(ProxyTlv.text(type, value));
    }
  }
}
