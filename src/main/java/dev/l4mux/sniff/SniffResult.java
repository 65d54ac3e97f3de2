package dev.l4mux.sniff;

/**
 * The three-way outcome of a sniffer (after Netty's {@code ProtocolDetectionResult}): it needs more
 * bytes, the bytes are not its protocol, or it recognised its protocol and extracted the facts.
 */
public sealed interface SniffResult permits SniffResult.NeedMore, SniffResult.NoMatch, SniffResult.Match {

  /** More bytes are needed before this sniffer can decide. */
  record NeedMore() implements SniffResult {}

  /** The bytes are not this sniffer's protocol (or are malformed). */
  record NoMatch() implements SniffResult {}

  /** The protocol was recognised; {@code facts} is what routing may match on. */
  record Match(Sniffed facts) implements SniffResult {}

  NeedMore NEED_MORE = new NeedMore();
  NoMatch NO_MATCH = new NoMatch();

  static NeedMore needMore() {
    return NEED_MORE;
  }

  static NoMatch noMatch() {
    return NO_MATCH;
  }

  static Match match(Sniffed facts) {
    return new Match(facts);
  }
}
