package dev.l4mux.limits;

import io.netty.util.NetUtil;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
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
  private static final VarHandle BIG_ENDIAN_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

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
   * The key of an address literal ({@code 203.0.113.7}, {@code 2001:db8::1}), as {hi, lo}, the
   * same as {@link #hi}/{@link #lo} of the address it names; a string that is no address literal
   * (no client address known) is the unspecified address {@code ::}, which no client has.
   */
  public static long[] ofLiteral(String literal) {
    byte[] ip = NetUtil.createByteArrayFromIpAddressString(literal); // parses, never looks up a name
    if (ip == null) {
      return new long[] {0, 0};
    }
    if (ip.length == 4) {
      return new long[] {0, V4_MAPPED | (int) BIG_ENDIAN_INT.get(ip, 0) & 0xFFFF_FFFFL};
    }
    return new long[] {(long) BIG_ENDIAN.get(ip, 0), (long) BIG_ENDIAN.get(ip, 8)};
  }
}
