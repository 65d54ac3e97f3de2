package dev.l4mux.sniff.proxy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * A parsed PROXY protocol header (HAProxy's doc/proxy-protocol.txt, versions 1 and 2).
 *
 * @param version 1 (text, section 2.1) or 2 (binary, section 2.2)
 * @param command LOCAL (the proxy's own connection: keep the peer's address) or PROXY
 * @param family the address family announced (v1: TCP4 = INET, TCP6 = INET6, UNKNOWN = UNSPEC)
 * @param transport STREAM, DGRAM or UNSPEC
 * @param source the original client, or null when the header carries no usable address
 * @param destination the address the client connected to, or null likewise
 * @param tlvs v2 type-length-values in wire order (NOOP and CRC32C left out: their work is done)
 */
public record ProxyHeader(
    int version,
    Command command,
    Family family,
    Transport transport,
    InetSocketAddress source,
    InetSocketAddress destination,
    List<ProxyTlv> tlvs) {

  /** Section 2.2, the low nibble of the 13th byte. */
  public enum Command { LOCAL, PROXY }

  /** Section 2.2, the high nibble of the 14th byte. */
  public enum Family { UNSPEC, INET, INET6, UNIX }

  /** Section 2.2, the low nibble of the 14th byte. */
  public enum Transport { UNSPEC, STREAM, DGRAM }

  public ProxyHeader {
    tlvs = List.copyOf(tlvs);
  }

  /**
   * The client the header speaks for, or null when the receiver must use the real connection's
   * endpoints: LOCAL, UNKNOWN/UNSPEC and AF_UNIX (section 2.1 "UNKNOWN", section 2.2 "LOCAL").
   */
  public InetSocketAddress realClient() {
    return command == Command.PROXY && transport != Transport.UNSPEC ? source : null;
  }

  /** The first TLV of {@code type}, if any. */
  public Optional<ProxyTlv> tlv(int type) {
    for (ProxyTlv t : tlvs) {
      if (t.type() == type) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
