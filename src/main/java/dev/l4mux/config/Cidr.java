package dev.l4mux.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 network ({@code 10.0.0.0/8}, {@code ::1/128}) or a bare address (a /32 or /128).
 * Parsing is strict: host bits must be zero, and only literal addresses are accepted (no DNS).
 */
public record Cidr(byte[] network, int prefixLength) {

  /**
   * Parses a CIDR as written in config.
   *
   * @throws IllegalArgumentException with a message fit for a config error
   */
  public static Cidr parse(String written) {
    if (written == null || written.isBlank()) {
      throw new IllegalArgumentException("must not be empty");
    }
    int slash = written.indexOf('/');
    String addressPart = slash < 0 ? written : written.substring(0, slash);
    byte[] address = parseLiteral(addressPart);
    int max = address.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String p = written.substring(slash + 1);
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
        throw new IllegalArgumentException("invalid prefix length '" + p + "' in '" + written + "'");
      }
      prefix = Integer.parseInt(p);
      if (prefix > max) {
        throw new IllegalArgumentException("prefix length " + prefix + " exceeds " + max + " in '" + written + "'");
      }
    }
    for (int bit = prefix; bit < max; bit++) {
      if ((address[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
        throw new IllegalArgumentException("host bits set in '" + written + "' (network address expected)");
      }
    }
    return new Cidr(address, prefix);
  }

  /** Parses a literal IPv4 or IPv6 address without any name resolution. */
  public static byte[] parseLiteral(String literal) {
    String s = literal.startsWith("[") && literal.endsWith("]") ? literal.substring(1, literal.length() - 1) : literal;
    boolean v4 = !s.isEmpty() && s.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    if (v4) {
      String[] parts = s.split("\\.", -1);
      if (parts.length != 4) {
        throw new IllegalArgumentException("invalid IPv4 address '" + literal + "'");
      }
      byte[] out = new byte[4];
      for (int i = 0; i < 4; i++) {
        if (parts[i].isEmpty() || parts[i].length() > 3 || (parts[i].length() > 1 && parts[i].startsWith("0"))) {
          throw new IllegalArgumentException("invalid IPv4 address '" + literal + "'");
        }
        int v = Integer.parseInt(parts[i]);
        if (v > 255) {
          throw new IllegalArgumentException("invalid IPv4 address '" + literal + "'");
        }
        out[i] = (byte) v;
      }
      return out;
    }
    if (s.indexOf(':') < 0 || !s.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
      throw new IllegalArgumentException("invalid IP address '" + literal + "'");
    }
    try {
      // A literal containing ':' and only hex digits, dots and colons is parsed without DNS.
      byte[] out = InetAddress.getByName(s).getAddress();
      return out;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("invalid IPv6 address '" + literal + "'");
    }
  }

  /** True when {@code address} (4 or 16 bytes; IPv4-mapped IPv6 is treated as IPv4) is inside. */
  public boolean contains(byte[] address) {
    byte[] a = address;
    if (a.length == 16 && network.length == 4 && isV4Mapped(a)) {
      a = java.util.Arrays.copyOfRange(a, 12, 16);
    }
    if (a.length != network.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (a[full] & mask) == (network[full] & mask);
  }

  private static boolean isV4Mapped(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return (a[10] & 0xFF) == 0xFF && (a[11] & 0xFF) == 0xFF;
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefixLength == prefixLength && java.util.Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(network) * 31 + prefixLength;
  }
}
