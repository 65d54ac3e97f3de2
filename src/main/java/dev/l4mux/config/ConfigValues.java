package dev.l4mux.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the scalar notations of CONTRACT section 3: durations, addresses, port ranges and
 * rates. Pure functions: each returns a value or throws {@link IllegalArgumentException} whose
 * message is fit to follow a config path ({@code "defaults.timeouts.idle: " + message}).
 */
final class ConfigValues {

  /** Longest accepted duration; also keeps {@code Duration.toMillis()} far from overflow. */
  static final Duration MAX_DURATION = Duration.ofDays(365);

  /** Most ports one bind range may open (each is a server socket). */
  static final int MAX_PORTS_PER_RANGE = 1024;

  private static final Pattern DURATION = Pattern.compile("([0-9]{1,12})(ms|s|m|h|d)");
  private static final Pattern RATE = Pattern.compile("([0-9]{1,9})/(s|m|h)");

  private ConfigValues() {}

  /** A connection rate such as {@code 50/s}: {@code count} per {@code per}. */
  record Rate(int count, Duration per) {}

  /** Parses {@code 250ms}, {@code 5s}, {@code 10m}, {@code 1h}, {@code 2d} (whole numbers only). */
  static Duration duration(String written) {
    Matcher m = DURATION.matcher(written);
    if (!m.matches()) {
      if (!written.isEmpty() && written.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new IllegalArgumentException(
            "missing unit in '" + written + "' (expected e.g. 250ms, 5s, 10m, 1h, 1d)");
      }
      throw new IllegalArgumentException(
          "invalid duration '"
              + written
              + "' (expected a whole number and a unit: ms, s, m, h or d)");
    }
    long amount = Long.parseLong(m.group(1));
    ChronoUnit unit =
        switch (m.group(2)) {
          case "ms" -> ChronoUnit.MILLIS;
          case "s" -> ChronoUnit.SECONDS;
          case "m" -> ChronoUnit.MINUTES;
          case "h" -> ChronoUnit.HOURS;
          default -> ChronoUnit.DAYS;
        };
    // 12 digits of days fit in a Duration (seconds are a long), so this cannot overflow.
    Duration d = Duration.of(amount, unit);
    if (d.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException("duration '" + written + "' is too long (at most 365d)");
    }
    return d;
  }

  /** Parses a rate {@code N/s}, {@code N/m} or {@code N/h} with N at least 1. */
  static Rate rate(String written) {
    Matcher m = RATE.matcher(written);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "invalid rate '" + written + "' (expected a count per unit, e.g. 50/s or 600/m)");
    }
    int count = Integer.parseInt(m.group(1));
    Duration per =
        switch (m.group(2)) {
          case "s" -> Duration.ofSeconds(1);
          case "m" -> Duration.ofMinutes(1);
          default -> Duration.ofHours(1);
        };
    return new Rate(count, per);
  }

  /** Parses a backend or admin address: {@code host:port} or {@code [v6]:port}, port 1-65535. */
  static HostPort hostPort(String written) {
    String[] hp = split(written);
    if (hp[1].indexOf('-') >= 0) {
      throw new IllegalArgumentException(
          "port ranges are only allowed in listeners[].bind, got '" + written + "'");
    }
    return new HostPort(hp[0], port(hp[1], written, false));
  }

  /** Parses the admin listen address: like {@link #hostPort} but port 0 (ephemeral) is allowed. */
  static HostPort listenAddress(String written) {
    String[] hp = split(written);
    if (hp[1].indexOf('-') >= 0) {
      throw new IllegalArgumentException("a port range is not allowed here, got '" + written + "'");
    }
    return new HostPort(hp[0], port(hp[1], written, true));
  }

  /**
   * Parses a listener bind address: {@code host:port}, {@code [v6]:port} or {@code host:LOW-HIGH}
   * (inclusive, at most {@value #MAX_PORTS_PER_RANGE} ports). Port 0 (an ephemeral port) is allowed
   * on its own, not in a range.
   */
  static BindAddress bindAddress(String written) {
    String[] hp = split(written);
    String ports = hp[1];
    int dash = ports.indexOf('-');
    if (dash < 0) {
      int p = port(ports, written, true);
      return new BindAddress(hp[0], p, p);
    }
    int low = port(ports.substring(0, dash), written, false);
    int high = port(ports.substring(dash + 1), written, false);
    if (low > high) {
      throw new IllegalArgumentException(
          "port range " + ports + " is reversed (expected LOW-HIGH) in '" + written + "'");
    }
    if (high - low + 1 > MAX_PORTS_PER_RANGE) {
      throw new IllegalArgumentException(
          "port range "
              + ports
              + " spans "
              + (high - low + 1)
              + " ports (at most "
              + MAX_PORTS_PER_RANGE
              + ") in '"
              + written
              + "'");
    }
    return new BindAddress(hp[0], low, high);
  }

  /** True for {@code localhost}, 127.0.0.0/8 and {@code ::1}; no name resolution. */
  static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost") || host.equalsIgnoreCase("localhost.")) {
      return true;
    }
    byte[] a = literalOrNull(host);
    if (a == null) {
      return false;
    }
    if (a.length == 4) {
      return a[0] == 127;
    }
    for (int i = 0; i < 15; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return a[15] == 1;
  }

  /** True for the any-address literals ({@code 0.0.0.0}, {@code ::}). */
  static boolean isWildcard(String host) {
    byte[] a = literalOrNull(host);
    if (a == null) {
      return false;
    }
    for (byte b : a) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** The address bytes of an IP literal, or null when {@code host} is a name. */
  static byte[] literalOrNull(String host) {
    if (host.indexOf(':') < 0 && !host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
      return null;
    }
    try {
      return Cidr.parseLiteral(host);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Splits into {host, port text}; validates the host. */
  private static String[] split(String written) {
    String host;
    String rest;
    if (written.startsWith("[")) {
      int end = written.indexOf(']');
      if (end < 0) {
        throw new IllegalArgumentException("missing ']' in '" + written + "'");
      }
      host = written.substring(1, end);
      rest = written.substring(end + 1);
      if (!rest.startsWith(":")) {
        throw new IllegalArgumentException(
            "missing port in '" + written + "' (expected [v6]:port)");
      }
      Cidr.parseLiteral(host);
      if (host.indexOf(':') < 0) {
        throw new IllegalArgumentException(
            "brackets are only for IPv6 addresses in '" + written + "'");
      }
    } else {
      int colon = written.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "missing port in '" + written + "' (expected host:port)");
      }
      host = written.substring(0, colon);
      rest = written.substring(colon);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException(
            "IPv6 addresses need brackets, e.g. '[::1]:443', in '" + written + "'");
      }
      if (host.isEmpty()) {
        throw new IllegalArgumentException("missing host in '" + written + "'");
      }
      checkHost(host);
    }
    return new String[] {host, rest.substring(1)};
  }

  /**
   * An IPv4 literal or a DNS name (syntax only, RFC 1123 2.1; '_' tolerated for internal names).
   */
  private static void checkHost(String host) {
    if (host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
      Cidr.parseLiteral(host);
      return;
    }
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (name.length() > 253) {
      throw new IllegalArgumentException("host name '" + host + "' is longer than 253 characters");
    }
    for (String label : name.split("\\.", -1)) {
      if (label.isEmpty()) {
        throw new IllegalArgumentException("empty label in host name '" + host + "'");
      }
      if (label.length() > 63) {
        throw new IllegalArgumentException(
            "label longer than 63 characters in host name '" + host + "'");
      }
      if (label.startsWith("-") || label.endsWith("-")) {
        throw new IllegalArgumentException(
            "label '" + label + "' starts or ends with '-' in host name '" + host + "'");
      }
      for (int i = 0; i < label.length(); i++) {
        char c = label.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '_';
        if (!ok) {
          throw new IllegalArgumentException(
              "invalid character '" + c + "' in host name '" + host + "'");
        }
      }
    }
  }

  private static int port(String text, String written, boolean zeroAllowed) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("missing port in '" + written + "'");
    }
    if (text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("invalid port '" + text + "' in '" + written + "'");
    }
    int p = Integer.parseInt(text);
    if (p > 65535) {
      throw new IllegalArgumentException(
          "port " + p + " is out of range 1-65535 in '" + written + "'");
    }
    if (p == 0 && !zeroAllowed) {
      // Port 0 asks the OS for an ephemeral port: meaningful for a lone listener bind only.
      throw new IllegalArgumentException(
          "port 0 is only allowed in listeners[].bind (alone, not in a range) and admin.listen, in"
              + " '"
              + written
              + "'");
    }
    return p;
  }

  /**
   * Lower-cased host for comparisons; IP literals by their bytes so {@code ::1} == {@code 0::1}.
   */
  static String hostKey(String host) {
    byte[] a = literalOrNull(host);
    if (a == null) {
      return host.toLowerCase(Locale.ROOT);
    }
    StringBuilder sb = new StringBuilder(a.length == 4 ? "v4:" : "v6:");
    for (byte b : a) {
      sb.append(String.format("%02x", b & 0xFF));
    }
    return sb.toString();
  }
}
