package dev.l4mux.sniff.proxy;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Builds PROXY protocol headers (doc/proxy-protocol.txt 2.1 and 2.2) for a connection from {@code
 * source} to {@code destination}. Families follow the addresses: when both are IPv4 (an
 * IPv4-mapped IPv6 address counts as IPv4) the header is TCP4 / AF_INET, otherwise TCP6 / AF_INET6
 * with any IPv4 address written IPv4-mapped.
 */
public final class ProxyHeaderWriter {

  private static final byte VERSION_2_PROXY = 0x21; // version 2, command PROXY
  private static final byte VERSION_2_LOCAL = 0x20;

  private ProxyHeaderWriter() {}

  /** The v1 line, e.g. {@code PROXY TCP4 192.0.2.1 192.0.2.11 56324 443\r\n}. */
  public static byte[] v1(InetSocketAddress source, InetSocketAddress destination) {
    byte[] src = source.getAddress().getAddress();
    byte[] dst = destination.getAddress().getAddress();
    boolean v4 = asIpv4(src) != null && asIpv4(dst) != null;
    String line = "PROXY " + (v4 ? "TCP4 " : "TCP6 ")
        + text(v4 ? asIpv4(src) : asIpv6(src)) + " " + text(v4 ? asIpv4(dst) : asIpv6(dst)) + " "
        + source.getPort() + " " + destination.getPort() + "\r\n";
    return line.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * A v2 PROXY header over {@code transport} (STREAM for TCP, DGRAM for UDP) with {@code tlvs} in
   * order, and a CRC32C TLV last when {@code crc32c} is set.
   */
  public static byte[] v2(InetSocketAddress source, InetSocketAddress destination, ProxyHeader.Transport transport,
      List<ProxyTlv> tlvs, boolean crc32c) {
    byte[] src = source.getAddress().getAddress();
    byte[] dst = destination.getAddress().getAddress();
    boolean v4 = asIpv4(src) != null && asIpv4(dst) != null;
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    out.writeBytes(ProxyV2Parser.SIGNATURE);
    out.write(VERSION_2_PROXY);
    out.write((v4 ? 0x10 : 0x20) | transport.ordinal());
    out.write(0); // length, set below
    out.write(0);
    out.writeBytes(v4 ? asIpv4(src) : asIpv6(src));
    out.writeBytes(v4 ? asIpv4(dst) : asIpv6(dst));
    u16(out, source.getPort());
    u16(out, destination.getPort());
    return finish(out, tlvs, crc32c);
  }

  /** A v2 LOCAL header (the proxy's own connection, e.g. a health check), with optional TLVs. */
  public static byte[] v2Local(List<ProxyTlv> tlvs, boolean crc32c) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(32);
    out.writeBytes(ProxyV2Parser.SIGNATURE);
    out.write(VERSION_2_LOCAL);
    out.write(0); // AF_UNSPEC, UNSPEC
    out.write(0);
    out.write(0);
    return finish(out, tlvs, crc32c);
  }

  private static byte[] finish(ByteArrayOutputStream out, List<ProxyTlv> tlvs, boolean crc32c) {
    for (ProxyTlv tlv : tlvs) {
      writeTlv(out, tlv);
    }
    int crcAt = -1;
    if (crc32c) {
      out.write(ProxyTlv.CRC32C);
      u16(out, 4);
      crcAt = out.size();
      out.writeBytes(new byte[4]);
    }
    byte[] header = out.toByteArray();
    int length = header.length - ProxyV2Parser.FIXED_LENGTH;
    if (length > 0xFFFF) {
      throw new IllegalArgumentException("PROXY v2 header too long: " + header.length + " bytes");
    }
    header[14] = (byte) (length >> 8);
    header[15] = (byte) length;
    if (crcAt >= 0) {
      long crc = ProxyV2Parser.crc32c(header, crcAt);
      header[crcAt] = (byte) (crc >> 24);
      header[crcAt + 1] = (byte) (crc >> 16);
      header[crcAt + 2] = (byte) (crc >> 8);
      header[crcAt + 3] = (byte) crc;
    }
    return header;
  }

  private static void writeTlv(ByteArrayOutputStream out, ProxyTlv tlv) {
    byte[] value = tlv.value();
    if (tlv.type() == ProxyTlv.SSL && !tlv.subTlvs().isEmpty() && value.length <= ProxyTlv.SSL_FIXED_LENGTH) {
      // Built from parts: the fixed client and verify fields, then the sub-TLVs.
      ByteArrayOutputStream ssl = new ByteArrayOutputStream();
      ssl.writeBytes(Arrays.copyOf(value, ProxyTlv.SSL_FIXED_LENGTH));
      tlv.subTlvs().forEach(sub -> writeTlv(ssl, sub));
      value = ssl.toByteArray();
    }
    if (value.length > 0xFFFF) {
      throw new IllegalArgumentException("TLV " + ProxyTlv.name(tlv.type()) + " too long: " + value.length + " bytes");
    }
    out.write(tlv.type());
    u16(out, value.length);
    out.writeBytes(value);
  }

  private static void u16(ByteArrayOutputStream out, int v) {
    out.write(v >> 8);
    out.write(v);
  }

  /** The 4 bytes of an IPv4 or IPv4-mapped IPv6 address, or null. */
  static byte[] asIpv4(byte[] address) {
    if (address.length == 4) {
      return address;
    }
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return null;
      }
    }
    return (address[10] & 0xFF) == 0xFF && (address[11] & 0xFF) == 0xFF ? Arrays.copyOfRange(address, 12, 16) : null;
  }

  private static byte[] asIpv6(byte[] address) {
    if (address.length == 16) {
      return address;
    }
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xFF;
    mapped[11] = (byte) 0xFF;
    System.arraycopy(address, 0, mapped, 12, 4);
    return mapped;
  }

  /** The text of a 4- or 16-byte address (2.1). */
  private static String text(byte[] address) {
    if (address.length == 4) {
      return (address[0] & 0xFF) + "." + (address[1] & 0xFF) + "." + (address[2] & 0xFF) + "." + (address[3] & 0xFF);
    }
    // Eight groups, no "::" compression: valid for every reader (InetAddress would print an
    // IPv4-mapped address as dotted IPv4, which is not an IPv6 address on a TCP6 line).
    StringBuilder out = new StringBuilder(39);
    for (int g = 0; g < 8; g++) {
      if (g > 0) {
        out.append(':');
      }
      out.append(Integer.toHexString((address[2 * g] & 0xFF) << 8 | (address[2 * g + 1] & 0xFF)));
    }
    return out.toString();
  }

  /** True when {@code address} is IPv4 or IPv4-mapped IPv6. */
  public static boolean isIpv4(InetAddress address) {
    return address instanceof Inet4Address || asIpv4(address.getAddress()) != null;
  }
}
