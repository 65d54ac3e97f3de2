package dev.l4mux.limits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * A client address as a {@link SourceTable} key: its 128 bits as two longs, an IPv4 address in
 * its IPv4-mapped IPv6 form ({@code ::ffff:a.b.c.d}, RFC 4291 section 2.5.5.2). The JDK turns a
 * mapped address into an {@link Inet4Address}, so no {@code Inet6Address} has that form and the
 * two families never share a key.
 */
public final class SourceKeys {

  private static final long V4_MAPPED = 0xFFFFL << 32;
  private static final VarHandle BIG_ENDIAN = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private SourceKeys() {}

  /** The high 64 bits (0 for IPv4: no allocation). */
  public static long hi(InetAddress address) {
    return address instanceof Inet4Address ? 0 : (long) BIG_ENDIAN.get(address.getAddress(), 0);
  }

  /** The low 64 bits; for IPv4 read from {@code hashCode}, which is the address (no copy of it). */
  public static long lo(InetAddress address) {
    return address instanceof Inet4Address
        ? V4_MAPPED | address.hashCode() & 0xFFFF_FFFFL
        : (long) BIG_ENDIAN.get(address.getAddress(), 8);
  }

  /**
   * The key of an address literal ({@code 203.0.113.7}, {@code 2001:db8::1}), as {hi, lo}; a string
   * that is no address literal (no client address known) is the unspecified address {@code ::}, which
   * no client has.
   */
  public static long[] ofLiteral(String literal) {
    long v4 = ipv4(literal);
    if (v4 >= 0) {
      return new long[] {0, V4_MAPPED | v4};
    }
    if (literal.indexOf(':') >= 0) {
      try {
        InetAddress a = InetAddress.getByName(literal); // a literal with ':' is parsed, never looked up
        return new long[] {hi(a), lo(a)};
      } catch (UnknownHostException | SecurityException notALiteral) {
        // falls through to the unspecified address
      }
    }
    return new long[] {0, 0};
  }

  /** A dotted-quad IPv4 literal's 32 bits, or -1. */
  private static long ipv4(String s) {
    long value = 0;
    int part = 0;
    int digits = 0;
    int parts = 1;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '.') {
        if (digits == 0 || ++parts > 4) {
          return -1;
        }
        value = value << 8 | part;
        part = 0;
        digits = 0;
      } else if (c >= '0' && c <= '9' && digits < 3) {
        part = part * 10 + (c - '0');
        digits++;
        if (part > 255) {
          return -1;
        }
      } else {
        return -1;
      }
    }
    return parts == 4 && digits > 0 ? value << 8 | part : -1;
  }
}
