package dev.l4mux.acme;

import io.vertx.core.buffer.Buffer;

/**
 * Reads the token of an HTTP-01 validation request (RFC 8555 8.3): a request line
 * {@code GET /.well-known/acme-challenge/<token> HTTP/1.x}. Pure: the bytes are only read.
 */
public final class AcmeHttpChallengeParser {

  static final String PREFIX = "GET /.well-known/acme-challenge/";
  /** A token is base64url (RFC 8555 8.1), 128 bits or more; far below this bound. */
  static final int MAX_TOKEN = 256;

  private AcmeHttpChallengeParser() {}

  /** The outcome: more bytes needed, not a challenge request, or the token. */
  public sealed interface Result {
    record NeedMore() implements Result {}

    record NoMatch() implements Result {}

    record Token(String token) implements Result {}
  }

  static final Result NEED_MORE = new Result.NeedMore();
  static final Result NO_MATCH = new Result.NoMatch();

  public static Result parse(Buffer bytes) {
    int length = bytes.length();
    for (int i = 0; i < PREFIX.length(); i++) {
      if (i >= length) {
        return NEED_MORE;
      }
      if (bytes.getByte(i) != PREFIX.charAt(i)) {
        return NO_MATCH;
      }
    }
    int start = PREFIX.length();
    int i = start;
    while (i < length && bytes.getByte(i) != ' ') {
      if (!isBase64Url(bytes.getByte(i)) || i - start >= MAX_TOKEN) {
        return NO_MATCH;
      }
      i++;
    }
    if (i == length) {
      return NEED_MORE;
    }
    if (i == start) {
      return NO_MATCH;
    }
    String version = " HTTP/1.";
    for (int j = 0; j < version.length(); j++) {
      if (i + j >= length) {
        return NEED_MORE;
      }
      if (bytes.getByte(i + j) != version.charAt(j)) {
        return NO_MATCH;
      }
    }
    return new Result.Token(bytes.getString(start, i, "US-ASCII"));
  }

  private static boolean isBase64Url(byte b) {
    return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_';
  }
}
