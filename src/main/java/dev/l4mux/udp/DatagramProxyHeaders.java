package dev.l4mux.udp;

import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import dev.l4mux.sniff.proxy.ProxyHeaderResult;
import io.netty.buffer.ByteBuf;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.Objects;

/**
 * PROXY headers on the datagrams of a trusted peer (HAProxy doc/proxy-protocol.txt 2.2: version 2,
 * transport DGRAM, family/protocol byte 0x12 for UDP over IPv4, 0x22 over IPv6). A datagram is
 * whole, so there is no "need more": a header is in it or not. The first datagram of a flow may
 * carry one (with {@code required: true} it must); a later datagram may carry one too, as a sender
 * that writes a header on every datagram does (dnsdist, l4mux's {@code datagrams: every}), and it
 * must then name the same client: a flow is one client's. A header is stripped (the reader index
 * moves past it) before the datagram is sniffed or relayed.
 */
final class DatagramProxyHeaders {

  /** What a flow's first datagram said. */
  sealed interface Outcome permits Read, Refused {}

  /**
   * The datagram is accepted; its first {@code length} bytes were the header (now skipped).
   *
   * @param header the header, or null when the peer sent none (not required)
   */
  record Read(ProxyHeader header, int length) implements Outcome {}

  /** Drop the datagram, counted as {@code bad_proxy_header}; {@code detail} says why. */
  record Refused(String detail) implements Outcome {}

  private static final Read NO_HEADER = new Read(null, 0);

  /** Section 2.2: the v2 signature starts with CR. (A later datagram with a v1 header passes as payload.) */
  private static final byte SIGNATURE_FIRST_BYTE = 0x0D;

  private DatagramProxyHeaders() {}

  /**
   * Reads (and strips) the header of a trusted peer's first datagram of a flow.
   *
   * @param required {@code listeners[].proxyProtocol.required}
   * @param maxBytes a header announcing more is refused (the sniff byte cap)
   */
  static Outcome first(ByteBuf datagram, boolean required, int maxBytes) {
    Outcome outcome = parse(datagram, maxBytes);
    if (outcome instanceof Read read && read.header() == null && required) {
      return new Refused("no PROXY header in the flow's first datagram (required)");
    }
    if (outcome instanceof Read read) {
      datagram.skipBytes(read.length());
    }
    return outcome;
  }

  /**
   * Strips the header of a later datagram of a flow from a trusted peer, if it has one.
   *
   * @param flowHeader the header the flow's first datagram carried, or null
   * @return null when the datagram may pass (stripped or without a header), else why it is dropped
   */
  static String later(ByteBuf datagram, ProxyHeader flowHeader, int maxBytes) {
    if (!datagram.isReadable() || datagram.getByte(datagram.readerIndex()) != SIGNATURE_FIRST_BYTE) {
      return null; // the common case: one byte compared, no parsing
    }
    Outcome outcome = parse(datagram, maxBytes);
    if (outcome instanceof Refused refused) {
      return refused.detail();
    }
    Read read = (Read) outcome;
    if (read.header() == null) {
      return null;
    }
    if (flowHeader == null) {
      return "a PROXY header in a flow that started without one";
    }
    if (!Objects.equals(read.header().realClient(), flowHeader.realClient())) {
      return "a PROXY header naming " + read.header().realClient() + " in the flow of " + flowHeader.realClient()
          + " (a sender must use one socket per client)";
    }
    datagram.skipBytes(read.length());
    return null;
  }

  private static Outcome parse(ByteBuf datagram, int maxBytes) {
    ByteBuf view = datagram.slice(); // index 0 = the datagram's first byte
    ProxyHeaderResult result = ProxyHeaderParser.parse(BufferInternal.buffer(view), maxBytes);
    if (result instanceof ProxyHeaderResult.Match match) {
      return check(match.header(), match.length());
    }
    if (result instanceof ProxyHeaderResult.NoMatch bad) {
      return bad.signatureSeen() ? new Refused(bad.toString()) : NO_HEADER;
    }
    // Need more: the datagram ends inside something that is a header so far.
    if (ProxyHeaderParser.startsWithSignature(BufferInternal.buffer(view))) {
      return new Refused("truncated PROXY header: the datagram ends at byte " + view.readableBytes());
    }
    return NO_HEADER; // a short payload that happens to begin like a signature
  }

  /** Only v2 over DGRAM (or LOCAL / UNSPEC, which keep the peer) describes a datagram flow. */
  private static Outcome check(ProxyHeader header, int length) {
    if (header.version() == 1) {
      return new Refused("PROXY v1 header on a UDP listener: v1 has no datagram transport (expected v2 with DGRAM: 0x12 or 0x22 at byte 13)");
    }
    if (header.transport() == ProxyHeader.Transport.STREAM) {
      return new Refused(String.format(
          "PROXY v2 header with transport STREAM on a UDP listener (at byte 13: 0x%02x; expected DGRAM, 0x12 or 0x22)",
          header.family().ordinal() << 4 | 1));
    }
    return new Read(header, length);
  }
}
