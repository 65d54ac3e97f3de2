package dev.l4mux.udp;

import dev.l4mux.config.ProxyProtocolSend;
import dev.l4mux.relay.ProxyHeaderSender;
import dev.l4mux.sniff.Sniffed;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;

/**
 * The PROXY v2 header a route sends ahead of a UDP flow's datagrams (CONTRACT section 3,
 * {@code routes[].proxyProtocol.send: v2}): transport DGRAM (family/protocol byte 0x12 over IPv4,
 * 0x22 over IPv6), the same TLVs as for TCP (AUTHORITY from the QUIC SNI, ALPN, UNIQUE_ID
 * {@code <node>:<flow id>}, forwarded and added TLVs, CRC32C), built once per flow. With {@code
 * datagrams: first} it goes on the flow's first datagram only; with {@code every} on each (what a
 * stateless backend needs: it cannot know which datagram was first, nor that the first was lost).
 * Confined to the flow's loop.
 */
final class FlowProxyHeader {

  private final byte[] header;
  private final boolean every;
  private boolean sent;

  private FlowProxyHeader(byte[] header, boolean every) {
    this.header = header;
    this.every = every;
  }

  /**
   * The route's header for this flow, or null when it sends none.
   *
   * @param source the real client
   * @param destination the address the client sent to
   * @param upstream the trusted header the flow came with, or null
   */
  static FlowProxyHeader of(ProxyProtocolSend send, InetSocketAddress source, InetSocketAddress destination, Sniffed facts,
      String uniqueId, ProxyHeader upstream) {
    if (send.version() != ProxyProtocolSend.Version.V2) {
      return null; // v1 has no datagram transport: refused in the configuration
    }
    byte[] header = ProxyHeaderWriter.v2(source, destination, ProxyHeader.Transport.DGRAM,
        ProxyHeaderSender.tlvs(send, facts, null, uniqueId, upstream), true);
    return new FlowProxyHeader(header, send.datagrams() == ProxyProtocolSend.Datagrams.EVERY);
  }

  int length() {
    return header.length;
  }

  /**
   * {@code datagram} with the header in front when this one carries it (a new buffer: a datagram
   * is written from one contiguous buffer on every transport), else {@code datagram} itself.
   */
  ByteBuf prepend(ByteBuf datagram, ByteBufAllocator alloc) {
    if (sent && !every) {
      return datagram;
    }
    sent = true;
    ByteBuf out = alloc.directBuffer(header.length + datagram.readableBytes());
    out.writeBytes(header).writeBytes(datagram);
    datagram.release();
    return out;
  }
}
