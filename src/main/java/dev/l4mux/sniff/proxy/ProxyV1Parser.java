package dev.l4mux.sniff.proxy;

import dev.l4mux.sniff.proxy.ProxyHeader.Command;
import dev.l4mux.sniff.proxy.ProxyHeader.Family;
import dev.l4mux.sniff.proxy.ProxyHeader.Transport;
import io.vertx.core.buffer.Buffer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The human-readable header (doc/proxy-protocol.txt section 2.1): {@code PROXY TCP4|TCP6 <src>
 * <dst> <sport> <dport>\r\n} or {@code PROXY UNKNOWN[ anything]\r\n}, at most 107 bytes. Strict:
 * exactly one space between fields, canonical addresses of the announced family, decimal ports
 * without heading zeroes, and a CRLF (a lone CR or LF is refused).
 */
final class ProxyV1Parser {

  static final byte[] SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
  static final int MAX_LENGTH = 107; // 2.1: the worst case, UNKNOWN with two full IPv6 addresses

  private ProxyV1Parser() {}

  static ProxyHeaderResult parse(Buffer in) {
    int available = in.length();
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (i >= available) {
        return ProxyHeaderResult.NEED_MORE;
      }
      if (in.getByte(i) != SIGNATURE[i]) {
        return new ProxyHeaderResult.NoMatch("not a PROXY protocol header (v1 signature 'PROXY ' expected)", i, false);
      }
    }
    int end = -1; // offset of the CR of the CRLF
    for (int i = SIGNATURE.length; i < Math.min(available, MAX_LENGTH); i++) {
      byte b = in.getByte(i);
      if (b == '\r') {
        if (i + 1 >= MAX_LENGTH) {
          break;
        }
        if (i + 1 >= available) {
          return ProxyHeaderResult.NEED_MORE;
        }
        if (in.getByte(i + 1) != '\n') {
          return bad("CR not followed by LF", i + 1);
        }
        end = i;
        break;
      }
      if (b == '\n') {
        return bad("LF without CR (the line must end with CRLF)", i);
      }
      if (b < 0x20 || b > 0x7E) {
        return bad(String.format("byte 0x%02x is not printable US-ASCII", b & 0xFF), i);
      }
    }
    if (end < 0) {
      return available >= MAX_LENGTH ? bad("no CRLF within the first 107 bytes", MAX_LENGTH - 1) : ProxyHeaderResult.NEED_MORE;
    }
    String line = in.getString(0, end, "US-ASCII");
    return fields(line, end + 2);
  }

  private static ProxyHeaderResult fields(String line, int length) {
    Cursor c = new Cursor(line, SIGNATURE.length);
    String proto = c.token();
    if (proto.equals("UNKNOWN")) {
      // 2.1: "the receiver must ignore anything presented before the CRLF is found".
      return new ProxyHeaderResult.Match(new ProxyHeader(1, Command.PROXY, Family.UNSPEC, Transport.UNSPEC, null, null, List.of()), length);
    }
    boolean v4 = proto.equals("TCP4");
    if (!v4 && !proto.equals("TCP6")) {
      return bad("unknown protocol '" + proto + "' (expected TCP4, TCP6 or UNKNOWN)", SIGNATURE.length);
    }
    String[] names = {"source address", "destination address", "source port", "destination port"};
    String[] values = new String[4];
    int[] offsets = new int[4];
    for (int i = 0; i < 4; i++) {
      if (c.atEnd()) {
        return bad("missing " + names[i], c.pos);
      }
      c.pos++; // the single space that ended the previous field
      offsets[i] = c.pos;
      values[i] = c.token();
      if (values[i].isEmpty()) {
        return bad("expected exactly one space before the " + names[i], c.pos);
      }
    }
    if (!c.atEnd()) {
      return bad("unexpected text after the destination port", c.pos);
    }
    byte[] src = v4 ? ipv4(values[0]) : ipv6(values[0]);
    byte[] dst = v4 ? ipv4(values[1]) : ipv6(values[1]);
    String family = v4 ? "IPv4 " : "IPv6 ";
    if (src == null) {
      return bad("invalid " + family + names[0] + " '" + values[0] + "'", offsets[0]);
    }
    if (dst == null) {
      return bad("invalid " + family + names[1] + " '" + values[1] + "'", offsets[1]);
    }
    int sport = port(values[2]);
    int dport = port(values[3]);
    if (sport < 0) {
      return bad("invalid " + names[2] + " '" + values[2] + "' (0-65535, no heading zeroes)", offsets[2]);
    }
    if (dport < 0) {
      return bad("invalid " + names[3] + " '" + values[3] + "' (0-65535, no heading zeroes)", offsets[3]);
    }
    ProxyHeader header = new ProxyHeader(1, Command.PROXY, v4 ? Family.INET : Family.INET6, Transport.STREAM,
        socket(src, sport), socket(dst, dport), List.of());
    return new ProxyHeaderResult.Match(header, length);
  }

  private static ProxyHeaderResult bad(String reason, int offset) {
    return new ProxyHeaderResult.NoMatch("PROXY v1: " + reason, offset, true);
  }

  static InetSocketAddress socket(byte[] address, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByAddress(address), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e); // only thrown for a length other than 4 or 16
    }
  }

  /** 2.1: decimal 0-65535 without heading zeroes; -1 otherwise. */
  static int port(String s) {
    if (s.isEmpty() || s.length() > 5 || (s.length() > 1 && s.charAt(0) == '0') || !s.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      return -1;
    }
    int p = Integer.parseInt(s);
    return p <= 0xFFFF ? p : -1;
  }

  /** 2.1: exactly 4 decimal integers 0-255 separated by single dots, no heading zeroes. */
  static byte[] ipv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0') || !p.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
        return null;
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  /**
   * 2.1: groups of up to 4 hex digits separated by colons, one "::" at most, 128 bits in all; a
   * dotted IPv4 tail is accepted too, as inet_ntop writes IPv4-mapped addresses that way.
   */
  static byte[] ipv6(String s) {
    int len = s.length();
    if (len < 2 || len > 45) {
      return null;
    }
    int[] groups = new int[8];
    int count = 0;
    int gap = -1;
    int i = 0;
    if (s.startsWith("::")) {
      gap = 0;
      i = 2;
    } else if (s.charAt(0) == ':') {
      return null;
    }
    while (i < len) {
      int j = i;
      while (j < len && Character.digit(s.charAt(j), 16) >= 0) {
        j++;
      }
      if (j < len && s.charAt(j) == '.') {
        byte[] v4 = count > 6 ? null : ipv4(s.substring(i));
        if (v4 == null) {
          return null;
        }
        groups[count++] = (v4[0] & 0xFF) << 8 | (v4[1] & 0xFF);
        groups[count++] = (v4[2] & 0xFF) << 8 | (v4[3] & 0xFF);
        break;
      }
      if (j == i || j - i > 4 || count == 8) {
        return null;
      }
      groups[count++] = Integer.parseInt(s.substring(i, j), 16);
      if (j == len) {
        break;
      }
      if (s.charAt(j) != ':' || j + 1 == len) {
        return null;
      }
      i = j + 1;
      if (s.charAt(i) == ':') {
        if (gap >= 0) {
          return null;
        }
        gap = count;
        i++;
      }
    }
    if (gap < 0 ? count != 8 : count > 7) {
      return null;
    }
    byte[] out = new byte[16];
    int tail = gap < 0 ? 0 : count - gap;
    for (int g = 0; g < count; g++) {
      int slot = gap >= 0 && g >= gap ? 8 - tail + (g - gap) : g;
      out[slot * 2] = (byte) (groups[g] >> 8);
      out[slot * 2 + 1] = (byte) groups[g];
    }
    return out;
  }

  /** Walks the line field by field; a field ends at a space or the end of the line. */
  private static final class Cursor {
    private final String line;
    private int pos;

    Cursor(String line, int pos) {
      this.line = line;
      this.pos = pos;
    }

    String token() {
      int start = pos;
      while (pos < line.length() && line.charAt(pos) != ' ') {
        pos++;
      }
      return line.substring(start, pos);
    }

    boolean atEnd() {
      return pos >= line.length();
    }
  }
}
