package dev.l4mux.sniff;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Recognises an HTTP/1.x request head (RFC 9112 2-5) or the HTTP/2 prior-knowledge preface (RFC
 * 9113 3.4), reporting Host, WebSocket upgrade, h2c and "METHOD target". Each byte is checked as it
 * arrives, so binary, TLS or SSH data is refused within its first few bytes.
 */
public final class HttpSniffer implements Sniffer {

  /** RFC 9113 3.4: the client connection preface for HTTP/2 over cleartext with prior knowledge. */
  static final byte[] H2_PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  static final int MAX_METHOD_LENGTH = 16; // RFC 9110 9 methods are tokens; real ones are short
  static final int MAX_REQUEST_LINE_LENGTH = 8192; // RFC 9112 3: support at least 8000 octets
  static final int MAX_FIELD_LINE_LENGTH = 8192;
  static final int MAX_HEAD_LENGTH = 64 * 1024;
  static final int MAX_DETAIL_TARGET_LENGTH = 200;
  private static final byte[] HTTP_1_VERSION = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);

  @Override
  public String protocol() {
    return "http";
  }

  @Override
  public SniffResult sniff(Buffer prefix) {
    return new Scan(prefix, false).run();
  }

  /**
   * A complete request line with an incomplete header section still matches, with the Host seen.
   */
  @Override
  public SniffResult sniffFinal(Buffer prefix) {
    return new Scan(prefix, true).run();
  }

  /** One pass over the prefix; {@code pos} only moves forward. */
  private static final class Scan {
    private final Buffer in;
    private final int length;
    private final boolean isFinal;
    private int pos;
    private String detail;
    private boolean http11;
    private String host;
    private boolean hostSeen;
    private String upgrade = "";
    private String connection = "";

    Scan(Buffer in, boolean isFinal) {
      this.in = in;
      this.length = in.length();
      this.isFinal = isFinal;
    }

    SniffResult run() {
      int prefaceBytes = Math.min(length, H2_PREFACE.length);
      if (startsWith(H2_PREFACE, prefaceBytes)) {
        return prefaceBytes < H2_PREFACE.length
            ? needMoreOrNoMatch()
            : SniffResult.match(Sniffed.http(null, false, List.of("h2c"), "PRI * HTTP/2.0"));
      }
      SniffResult requestLine = requestLine();
      return requestLine != null ? requestLine : fieldLines();
    }

    /** RFC 9112 3: method SP request-target SP HTTP-version CRLF; null when complete and valid. */
    private SniffResult requestLine() {
      // RFC 9110 9.1: a method is a token; real ones are upper-case letters, '-' or '_'.
      for (; pos < length && at(pos) != ' '; pos++) {
        int c = at(pos);
        boolean upper = c >= 'A' && c <= 'Z';
        if (pos >= MAX_METHOD_LENGTH || !(upper || (pos > 0 && (c == '-' || c == '_')))) {
          return SniffResult.noMatch();
        }
      }
      if (pos >= length) {
        return needMoreOrNoMatch();
      }
      if (pos == 0) {
        return SniffResult.noMatch();
      }
      int methodEnd = pos++;
      int targetStart = pos;
      for (; pos < length && at(pos) != ' '; pos++) {
        int c = at(pos);
        if (c < 0x21 || c > 0x7e || pos >= MAX_REQUEST_LINE_LENGTH) { // RFC 9112 3.2: no CTL/SP
          return SniffResult.noMatch();
        }
      }
      if (pos >= length) {
        return needMoreOrNoMatch();
      }
      if (pos == targetStart) {
        return SniffResult.noMatch();
      }
      int targetEnd = pos++;
      // RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT; only HTTP/1.x has a request line.
      for (int i = 0; i <= HTTP_1_VERSION.length; i++, pos++) {
        if (pos >= length) {
          return needMoreOrNoMatch();
        }
        int c = at(pos);
        if (i < HTTP_1_VERSION.length ? c != HTTP_1_VERSION[i] : c < '0' || c > '9') {
          return SniffResult.noMatch();
        }
      }
      http11 = at(pos - 1) == '1';
      SniffResult lineEnd = lineEnd();
      if (lineEnd != null) {
        return lineEnd instanceof SniffResult.NeedMore ? needMoreOrNoMatch() : lineEnd;
      }
      if (pos > MAX_REQUEST_LINE_LENGTH) {
        return SniffResult.noMatch();
      }
      String method = text(0, methodEnd);
      int shownEnd = Math.min(targetEnd, targetStart + MAX_DETAIL_TARGET_LENGTH);
      detail = method + " " + text(targetStart, shownEnd);
      return null;
    }

    /** RFC 9112 5: field-name ":" OWS field-value OWS CRLF, until an empty line. */
    private SniffResult fieldLines() {
      while (true) {
        if (pos >= length) {
          return incompleteHead();
        }
        int lineStart = pos;
        int c = at(pos);
        if (c == '\r' || c == '\n') {
          SniffResult lineEnd = lineEnd();
          if (lineEnd == null) {
            return facts();
          }
          return lineEnd instanceof SniffResult.NeedMore ? incompleteHead() : lineEnd;
        }
        for (; pos < length && at(pos) != ':'; pos++) {
          // Also refuses obs-fold (RFC 9112 5.2) and whitespace before the colon (RFC 9112 5.1).
          if (!isTchar(at(pos))) {
            return SniffResult.noMatch();
          }
        }
        if (pos >= length) {
          return pos - lineStart > MAX_FIELD_LINE_LENGTH ? SniffResult.noMatch() : incompleteHead();
        }
        if (pos == lineStart) {
          return SniffResult.noMatch();
        }
        int nameEnd = pos++;
        int valueStart = pos;
        for (; pos < length && at(pos) != '\r' && at(pos) != '\n'; pos++) {
          int v = at(pos);
          if ((v < 0x20 && v != '\t') || v == 0x7f) { // RFC 9110 5.5: no CTLs in field values
            return SniffResult.noMatch();
          }
        }
        int valueEnd = pos;
        SniffResult lineEnd = pos < length ? lineEnd() : SniffResult.needMore();
        if (pos - lineStart > MAX_FIELD_LINE_LENGTH || pos > MAX_HEAD_LENGTH) {
          return SniffResult.noMatch();
        }
        if (lineEnd instanceof SniffResult.NeedMore) {
          return incompleteHead();
        }
        if (lineEnd != null || !field(text(lineStart, nameEnd), trimOws(valueStart, valueEnd))) {
          return SniffResult.noMatch();
        }
      }
    }

    /** Records the fields routing needs; false when they are invalid. */
    private boolean field(String name, String value) {
      if (name.equalsIgnoreCase("host")) {
        if (hostSeen) {
          return false; // RFC 9112 3.2: more than one Host is a bad request
        }
        hostSeen = true;
        host = HttpHostParser.hostWithoutPort(value);
        return host != null || value.isEmpty(); // RFC 9112 3.2: empty when there is no authority
      }
      if (name.equalsIgnoreCase("upgrade")) {
        upgrade += "," + value; // RFC 9110 5.3: repeated lines combine into one list
      } else if (name.equalsIgnoreCase("connection")) {
        connection += "," + value;
      }
      return true;
    }

    private SniffResult facts() {
      // RFC 9110 7.8: an upgrade needs both the Upgrade list and the "upgrade" connection option.
      boolean upgrading = hasToken(connection, "upgrade");
      boolean websocket = upgrading && hasToken(upgrade, "websocket"); // RFC 6455 4.1
      boolean h2c = upgrading && http11 && hasToken(upgrade, "h2c"); // RFC 7540 3.2
      List<String> alpn = h2c ? List.of("h2c") : List.of();
      return SniffResult.match(Sniffed.http(host, websocket, alpn, detail));
    }

    private SniffResult incompleteHead() {
      return isFinal ? facts() : SniffResult.needMore();
    }

    private SniffResult needMoreOrNoMatch() {
      return isFinal ? SniffResult.noMatch() : SniffResult.needMore();
    }

    /** Consumes CRLF or a bare LF (RFC 9112 2.2); null when done, else NeedMore or NoMatch. */
    private SniffResult lineEnd() {
      if (pos < length && at(pos) == '\r') {
        pos++;
      }
      if (pos >= length) {
        return SniffResult.needMore();
      }
      return at(pos++) == '\n' ? null : SniffResult.noMatch();
    }

    /** RFC 9110 5.6.3: OWS is SP / HTAB, and only those are trimmed from field values. */
    private String trimOws(int start, int end) {
      while (start < end && (at(start) == ' ' || at(start) == '\t')) {
        start++;
      }
      while (end > start && (at(end - 1) == ' ' || at(end - 1) == '\t')) {
        end--;
      }
      return text(start, end);
    }

    private static boolean hasToken(String list, String token) {
      for (String element : list.split(",")) {
        String protocol = element.strip();
        int slash = protocol.indexOf('/'); // RFC 9110 7.8: protocol-name [ "/" protocol-version ]
        if ((slash < 0 ? protocol : protocol.substring(0, slash)).equalsIgnoreCase(token)) {
          return true;
        }
      }
      return false;
    }

    /** RFC 9110 5.6.2 tchar. */
    private static boolean isTchar(int c) {
      return (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private boolean startsWith(byte[] expected, int n) {
      for (int i = 0; i < n; i++) {
        if (in.getByte(i) != expected[i]) {
          return false;
        }
      }
      return true;
    }

    private int at(int i) {
      return in.getUnsignedByte(i);
    }

    private String text(int start, int end) {
      return in.getString(start, end, "ISO-8859-1");
    }
  }
}
