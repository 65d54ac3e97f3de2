package dev.l4mux.sniff.proxy;

/**
 * The three-way outcome of {@link ProxyHeaderParser#parse}: more bytes are needed, the bytes are
 * not a valid PROXY header (with the reason and the offset of the offending byte), or a header of
 * {@code length} bytes was read.
 */
public sealed interface ProxyHeaderResult
    permits ProxyHeaderResult.NeedMore, ProxyHeaderResult.NoMatch, ProxyHeaderResult.Match {

  /** The bytes so far are a valid beginning of a header. */
  record NeedMore() implements ProxyHeaderResult {}

  /**
   * The bytes can never become a valid header.
   *
   * @param reason what is wrong, naming the field
   * @param offset offset of the offending byte in the input
   * @param signatureSeen true when the input began with a PROXY signature ({@code "PROXY "} or the
   *     v2 signature): a header that is broken, not a stream without any header
   */
  record NoMatch(String reason, int offset, boolean signatureSeen) implements ProxyHeaderResult {
    @Override
    public String toString() {
      return reason + " (at byte " + offset + ")";
    }
  }

  /** A complete, valid header occupying the first {@code length} bytes of the input. */
  record Match(ProxyHeader header, int length) implements ProxyHeaderResult {}

  NeedMore NEED_MORE = new NeedMore();
}
