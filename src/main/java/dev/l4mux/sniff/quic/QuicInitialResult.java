package dev.l4mux.sniff.quic;

import dev.l4mux.sniff.tls.ClientHello;
import java.util.HexFormat;

/** The three-way outcome of {@link QuicInitialParser}. */
public sealed interface QuicInitialResult
    permits QuicInitialResult.NeedMore, QuicInitialResult.NotInitial, QuicInitialResult.Parsed {

  /** Client Initials so far, but the ClientHello on their CRYPTO stream is not complete yet. */
  record NeedMore() implements QuicInitialResult {}

  /**
   * Not a client's QUIC Initial of a known version, or malformed.
   *
   * @param reason what was wrong, citing the RFC
   * @param datagram index of the datagram it was found in
   * @param byteOffset offset in that datagram
   */
  record NotInitial(String reason, int datagram, int byteOffset) implements QuicInitialResult {}

  /**
   * A complete ClientHello from the client's Initial packets.
   *
   * @param version the QUIC version of the Initial packets
   * @param destinationId the client's original Destination Connection ID
   * @param sourceId the client's Source Connection ID
   */
  record Parsed(QuicVersion version, byte[] destinationId, byte[] sourceId, ClientHello clientHello)
      implements QuicInitialResult {

    @Override
    public String toString() {
      return "Parsed[" + version + ", dcid=" + HexFormat.of().formatHex(destinationId) + ", scid="
          + HexFormat.of().formatHex(sourceId) + ", " + clientHello + "]";
    }
  }

  NeedMore NEED_MORE = new NeedMore();
}
