package dev.l4mux.sniff;

import java.util.Locale;

/** Reads the host out of an HTTP Host field value for {@link HttpSniffer}. */
final class HttpHostParser {

  private HttpHostParser() {}

  /**
   * RFC 9110 7.2: Host = uri-host [ ":" port ] (RFC 3986 3.2.2). Returns the host lower-cased, an
   * IPv6 literal with its brackets ("[::1]"), or null when the value is empty or invalid.
   */
  static String hostWithoutPort(String value) {
    int hostEnd;
    if (value.startsWith("[")) {
      hostEnd = value.indexOf(']') + 1;
      if (hostEnd < 3
          || !value.substring(1, hostEnd - 1).chars().allMatch(HttpHostParser::isIpv6Char)) {
        return null;
      }
    } else {
      int colon = value.indexOf(':');
      hostEnd = colon < 0 ? value.length() : colon;
      if (hostEnd == 0
          || !value.substring(0, hostEnd).chars().allMatch(HttpHostParser::isRegNameChar)) {
        return null;
      }
    }
    String port = value.substring(hostEnd);
    if (!port.isEmpty()
        && !(port.charAt(0) == ':' && port.chars().skip(1).allMatch(HttpHostParser::isDigit))) {
      return null;
    }
    return value.substring(0, hostEnd).toLowerCase(Locale.ROOT);
  }

  /** RFC 3986 3.2.2 reg-name: unreserved / pct-encoded / sub-delims. */
  private static boolean isRegNameChar(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || isDigit(c)
        || "-._~%!$&'()*+,;=".indexOf(c) >= 0;
  }

  /** RFC 3986 3.2.2 IPv6address (IPv4 tail included); IPvFuture is not accepted. */
  private static boolean isIpv6Char(int c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }
}
