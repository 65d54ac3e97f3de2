package dev.l4mux.sniff.proxy;

import io.vertx.core.buffer.Buffer;

/**
 * Reads a PROXY protocol header, version 1 or 2 told apart by the first byte (HAProxy's
 * doc/proxy-protocol.txt section 2.2, end: "PROXY" starts v1, the CR LF CR LF NUL signature v2).
 * Pure: never consumes the buffer, never throws; safe to call again with a longer prefix.
 *
 * <p>Every strict prefix of a valid header answers {@link ProxyHeaderResult.NeedMore}; anything
 * that can no longer become a valid header answers {@link ProxyHeaderResult.NoMatch} as early as
 * the first offending byte, so a trusted peer sending garbage is dropped at once.
 */
public final class ProxyHeaderParser {

  /** Section 2.2: 16 + the 16-bit length; the whole header always fits in this. */
  public static final int MAX_V2_LENGTH = ProxyV2Parser.FIXED_LENGTH + 0xFFFF;

  private ProxyHeaderParser() {}

  /** Parses with the protocol's own bound (107 bytes for v1, 16 + 65535 for v2). */
  public static ProxyHeaderResult parse(Buffer in) {
    return parse(in, MAX_V2_LENGTH);
  }

  /**
   * Parses the header at the start of {@code in}.
   *
   * @param maxLength a v2 header announcing more than this is refused (the connection's byte cap)
   */
  public static ProxyHeaderResult parse(Buffer in, int maxLength) {
    if (in.length() == 0) {
      return ProxyHeaderResult.NEED_MORE;
    }
    byte first = in.getByte(0);
    if (first == ProxyV1Parser.SIGNATURE[0]) {
      return ProxyV1Parser.parse(in);
    }
    if (first == ProxyV2Parser.SIGNATURE[0]) {
      return ProxyV2Parser.parse(in, maxLength);
    }
    return new ProxyHeaderResult.NoMatch(
        String.format("not a PROXY protocol header (first byte 0x%02x)", first & 0xFF), 0, false);
  }

  /**
   * True when {@code in} begins with a complete v1 or v2 signature: what a forged header from an
   * untrusted peer looks like, whatever follows it.
   */
  public static boolean startsWithSignature(Buffer in) {
    return startsWith(in, ProxyV1Parser.SIGNATURE) || startsWith(in, ProxyV2Parser.SIGNATURE);
  }

  /** Whether bytes begin with a PROXY signature, or are still too short to tell. */
  public enum Signature { PRESENT, ABSENT, NEED_MORE }

  /**
   * {@link #startsWithSignature} for a prefix that may still grow: {@code NEED_MORE} while {@code
   * in} is a strict prefix of the v1 ({@code "PROXY "}) or v2 signature, so a forged header split
   * across reads is still recognised.
   */
  public static Signature signature(Buffer in) {
    if (startsWithSignature(in)) {
      return Signature.PRESENT;
    }
    return couldBecome(in, ProxyV1Parser.SIGNATURE) || couldBecome(in, ProxyV2Parser.SIGNATURE) ? Signature.NEED_MORE : Signature.ABSENT;
  }

  private static boolean couldBecome(Buffer in, byte[] signature) {
    if (in.length() >= signature.length) {
      return false;
    }
    for (int i = 0; i < in.length(); i++) {
      if (in.getByte(i) != signature[i]) {
        return false;
      }
    }
    return true;
  }

  static boolean startsWith(Buffer in, byte[] signature) {
    if (in.length() < signature.length) {
      return false;
    }
    for (int i = 0; i < signature.length; i++) {
      if (in.getByte(i) != signature[i]) {
        return false;
      }
    }
    return true;
  }
}
