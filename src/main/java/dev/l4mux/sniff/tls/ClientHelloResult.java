package dev.l4mux.sniff.tls;

/**
 * The three-way outcome of parsing a ClientHello: more bytes are needed, the bytes are not a
 * well-formed ClientHello (with the reason and where it went wrong), or the parsed hello.
 */
public sealed interface ClientHelloResult
    permits ClientHelloResult.NeedMore, ClientHelloResult.Malformed, ClientHelloResult.Parsed {

  /** The bytes so far are a valid beginning; the message is not complete yet. */
  record NeedMore() implements ClientHelloResult {}

  /**
   * The bytes can never become a valid ClientHello.
   *
   * @param reason what is wrong, citing the rule broken
   * @param byteOffset offset of the offending byte in the input given to the parser
   */
  record Malformed(String reason, int byteOffset) implements ClientHelloResult {}

  /** A complete, well-formed ClientHello. */
  record Parsed(ClientHello clientHello) implements ClientHelloResult {}

  NeedMore NEED_MORE = new NeedMore();
}
