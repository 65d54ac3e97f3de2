package dev.l4mux.relay;

import dev.l4mux.config.ProxyProtocolSend;
import dev.l4mux.observe.TlsFacts;
import dev.l4mux.sniff.Sniffed;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderWriter;
import dev.l4mux.sniff.proxy.ProxyTlv;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The PROXY header a route sends to its backend (CONTRACT section 3, {@code routes[].proxyProtocol}),
 * written right after the connect, before the replayed prefix or any client byte, so a backend that
 * speaks first still learns who the client is.
 *
 * <p>v2 carries AUTHORITY (the sniffed SNI, else the HTTP Host), ALPN (the protocol negotiated
 * with the client when l4mux terminated TLS, else the first sniffed id), UNIQUE_ID ({@code
 * <node>:<connection id>}), on a terminated session the SSL TLV (section 2.2.6: version, cipher,
 * and the verified client certificate's CN), the TLV types listed in {@code tlvs.forward} copied
 * from a trusted upstream header (replacing a generated TLV of the same type, so a chain keeps the
 * first proxy's values), the {@code tlvs.add} TLVs, and CRC32C last.
 *
 * <p>On a re-encrypting route the header goes on the backend socket ahead of the TLS handshake, as
 * HAProxy's {@code send-proxy-v2} does on an {@code ssl} server: {@link #writeBeforeTls}.
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
      TlsFacts tls, String uniqueId, ProxyHeader upstream) {
    if (!send.sends() || source == null || destination == null) {
      return null;
    }
    if (send.version() == ProxyProtocolSend.Version.V1) {
      return Unpooled.wrappedBuffer(ProxyHeaderWriter.v1(source, destination));
    }
    return Unpooled.wrappedBuffer(ProxyHeaderWriter.v2(source, destination, ProxyHeader.Transport.STREAM,
        tlvs(send, facts, tls, uniqueId, upstream), true));
  }

  /** The TLVs of a v2 header (also a UDP flow's, {@code udp.FlowProxyHeader}), in the order written. */
  public static List<ProxyTlv> tlvs(ProxyProtocolSend send, Sniffed facts, TlsFacts tls, String uniqueId, ProxyHeader upstream) {
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
    String alpn = tls != null ? tls.alpn() : facts.alpn().isEmpty() ? null : facts.alpn().get(0);
    addUnlessForwarded(out, forwarded, ProxyTlv.ALPN, alpn);
    boolean fits = uniqueId != null && uniqueId.getBytes(StandardCharsets.UTF_8).length <= ProxyTlv.MAX_UNIQUE_ID_LENGTH;
    addUnlessForwarded(out, forwarded, ProxyTlv.UNIQUE_ID, fits ? uniqueId : null);
    if (tls != null && forwarded.stream().noneMatch(t -> t.type() == ProxyTlv.SSL)) {
      out.add(ssl(tls));
    }
    out.addAll(forwarded);
    for (Map.Entry<Integer, String> add : send.add().entrySet()) {
      out.add(ProxyTlv.text(add.getKey(), add.getValue()));
    }
    return out;
  }

  /**
   * The SSL TLV of a session l4mux terminated (doc/proxy-protocol.txt 2.2.6). {@code client} has
   * PP2_CLIENT_SSL, and with a verified client certificate PP2_CLIENT_CERT_CONN and
   * PP2_CLIENT_CERT_SESS (l4mux does not tell a resumed session apart: the certificate is the
   * session's either way); {@code verify} is zero only when a certificate was presented and
   * verified, as the text says (HAProxy also sends zero without one). Sub-TLVs: VERSION ({@code
   * TLSv1.3}), CIPHER (the IANA suite name) and CN when the certificate's subject has one.
   */
  static ProxyTlv ssl(TlsFacts tls) {
    boolean certified = tls.clientCertSubject() != null;
    int client = ProxyTlv.CLIENT_SSL | (certified ? ProxyTlv.CLIENT_CERT_CONN | ProxyTlv.CLIENT_CERT_SESS : 0);
    byte[] fixed = ByteBuffer.allocate(ProxyTlv.SSL_FIXED_LENGTH).put((byte) client).putInt(certified ? 0 : 1).array();
    List<ProxyTlv> subs = new ArrayList<>();
    subs.add(ProxyTlv.text(ProxyTlv.SSL_VERSION, tls.version()));
    if (tls.clientCertCn() != null) {
      subs.add(ProxyTlv.text(ProxyTlv.SSL_CN, tls.clientCertCn()));
    }
    subs.add(ProxyTlv.text(ProxyTlv.SSL_CIPHER, tls.cipher()));
    return new ProxyTlv(ProxyTlv.SSL, fixed, subs);
  }

  /**
   * Writes {@code header} (null: the route sends none) on a plain backend connection, ahead of the
   * client's replayed bytes, which the relay flushes with it; flushed at once when there are none,
   * so a backend that speaks first still gets it before answering.
   */
  static void writeAhead(Channel upstream, ByteBuf header, ByteBuf replay) {
    if (header == null) {
      return;
    }
    upstream.write(header, upstream.voidPromise());
    if (replay == null || !replay.isReadable()) {
      upstream.flush();
    }
  }

  /**
   * Puts {@code header} on a backend socket not yet connected so that it is the first thing sent
   * once it is, ahead of the TLS handler's ClientHello: a handler at the pipeline's head writes it
   * when the socket becomes active, before the event reaches the SSL handler (which starts its
   * handshake then), and removes itself.
   */
  static void writeBeforeTls(Channel upstream, ByteBuf header) {
    upstream.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(header, ctx.voidPromise());
        ctx.pipeline().remove(this);
        ctx.fireChannelActive();
      }

      @Override
      public void handlerRemoved(ChannelHandlerContext ctx) {
        if (header.refCnt() > 0 && !ctx.channel().isActive()) {
          header.release(); // never connected: the header was not written
        }
      }
    });
  }

  private static void addUnlessForwarded(List<ProxyTlv> out, List<ProxyTlv> forwarded, int type, String value) {
    if (value != null && forwarded.stream().noneMatch(t -> t.type() == type)) {
      out.add(ProxyTlv.text(type, value));
    }
  }
}
