package dev.l4mux.sniff.quic;

import java.util.HexFormat;

/**
 * The QUIC versions whose Initial packets l4mux can open: each has its own initial salt, HKDF
 * labels and long-header packet-type bits. Any other version is opaque (RFC 8999: only the
 * invariants are known), so a sniffer reports no match for it.
 */
public enum QuicVersion {
  /** RFC 9000; Initial protection RFC 9001 5.2. */
  V1(0x00000001, "38762cf7f55934b34d179ae6a4c80cadccbb7f0a", "quic ", 0b00, 0b11),
  /** RFC 9369: its salt (3.3.1), labels (3.3.2) and packet types (3.2). */
  V2(0x6b3343cf, "0dede3def700a6db819381be6e269dcbf9bd2ed9", "quicv2 ", 0b01, 0b00);

  private final int wireValue;
  private final byte[] initialSalt;
  private final String labelPrefix;
  private final int initialType;
  private final int retryType;

  QuicVersion(int wireValue, String saltHex, String labelPrefix, int initialType, int retryType) {
    this.wireValue = wireValue;
    this.initialSalt = HexFormat.of().parseHex(saltHex);
    this.labelPrefix = labelPrefix;
    this.initialType = initialType;
    this.retryType = retryType;
  }

  /** The version of a long header (RFC 9000 17.2), or null when l4mux cannot open it. */
  public static QuicVersion of(int wireValue) {
    for (QuicVersion version : values()) {
      if (version.wireValue == wireValue) {
        return version;
      }
    }
    return null;
  }

  public int wireValue() {
    return wireValue;
  }

  /** "v1", "v2": the access log's {@code quicVersion}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  byte[] initialSalt() {
    return initialSalt.clone();
  }

  /** "quic key" (v1) or "quicv2 key" (v2): the HKDF label for key, iv, hp. */
  String label(String purpose) {
    return labelPrefix + purpose;
  }

  /** The two long-header packet-type bits (first byte, 0x30) that mean Initial. */
  int initialType() {
    return initialType;
  }

  /** The packet-type bits of Retry, which has no Length field and no client sends. */
  int retryType() {
    return retryType;
  }
}
