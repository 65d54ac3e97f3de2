package dev.l4mux.sniff.proxy;

import dev.l4mux.sniff.proxy.ProxyHeader.Command;
import dev.l4mux.sniff.proxy.ProxyHeader.Family;
import dev.l4mux.sniff.proxy.ProxyHeader.Transport;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The binary header (doc/proxy-protocol.txt section 2.2): the 12-byte signature, version 2, a
 * command, family and transport, a 16-bit length, the address block of the family, then TLVs.
 * Every TLV is bounds-checked; CRC32C is verified (2.2.3), UNIQUE_ID bounded (2.2.5), the SSL
 * TLV's fixed part and sub-TLVs checked (2.2.6), text types checked as UTF-8 / US-ASCII.
 */
final class ProxyV2Parser {

  static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  static final int FIXED_LENGTH = 16; // signature, ver_cmd, fam, len
  static final int INET_ADDRESS_LENGTH = 12; // 2 * 4 + 2 * 2
  static final int INET6_ADDRESS_LENGTH = 36; // 2 * 16 + 2 * 2
  static final int UNIX_ADDRESS_LENGTH = 216; // 2 * 108
  private static final int TLV_HEADER_LENGTH = 3;

  private ProxyV2Parser() {}

  static ProxyHeaderResult parse(Buffer in, int maxLength) {
    int available = in.length();
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (i >= available) {
        return ProxyHeaderResult.NEED_MORE;
      }
      if (in.getByte(i) != SIGNATURE[i]) {
        return new ProxyHeaderResult.NoMatch("not a PROXY protocol header (v2 signature expected)", i, false);
      }
    }
    if (available < 13) {
      return ProxyHeaderResult.NEED_MORE;
    }
    int verCmd = in.getUnsignedByte(12);
    if (verCmd >> 4 != 2) {
      return bad("version " + (verCmd >> 4) + " (only 2 is defined)", 12);
    }
    if ((verCmd & 0xF) > 1) {
      return bad("command " + (verCmd & 0xF) + " (expected 0 LOCAL or 1 PROXY)", 12);
    }
    if (available < 14) {
      return ProxyHeaderResult.NEED_MORE;
    }
    int fam = in.getUnsignedByte(13);
    if (fam >> 4 > 3) {
      return bad("address family " + (fam >> 4) + " (expected 0-3)", 13);
    }
    if ((fam & 0xF) > 2) {
      return bad("transport " + (fam & 0xF) + " (expected 0 UNSPEC, 1 STREAM or 2 DGRAM)", 13);
    }
    if (available < FIXED_LENGTH) {
      return ProxyHeaderResult.NEED_MORE;
    }
    int total = FIXED_LENGTH + in.getUnsignedShort(14);
    if (total > maxLength) {
      return bad("header length " + total + " exceeds the limit of " + maxLength + " bytes", 14);
    }
    Command command = (verCmd & 0xF) == 0 ? Command.LOCAL : Command.PROXY;
    Family family = Family.values()[fam >> 4];
    Transport transport = Transport.values()[fam & 0xF];
    int addressLength = switch (family) {
      case INET -> INET_ADDRESS_LENGTH;
      case INET6 -> INET6_ADDRESS_LENGTH;
      case UNIX -> UNIX_ADDRESS_LENGTH;
      case UNSPEC -> 0;
    };
    if (command == Command.PROXY && total - FIXED_LENGTH < addressLength) {
      // Checked before waiting for the bytes: a header this short can never hold its addresses.
      return bad("length " + (total - FIXED_LENGTH) + " is too short for the " + family + " address block of " + addressLength + " bytes", 14);
    }
    if (available < total) {
      return ProxyHeaderResult.NEED_MORE;
    }
    byte[] header = in.getBytes(0, total);
    InetSocketAddress source = null;
    InetSocketAddress destination = null;
    int tlvStart = FIXED_LENGTH;
    if (command == Command.PROXY || total - FIXED_LENGTH >= addressLength) {
      tlvStart += addressLength;
      if (command == Command.PROXY && transport != Transport.UNSPEC && (family == Family.INET || family == Family.INET6)) {
        int size = family == Family.INET ? 4 : 16;
        int ports = FIXED_LENGTH + 2 * size;
        source = ProxyV1Parser.socket(Arrays.copyOfRange(header, FIXED_LENGTH, FIXED_LENGTH + size), u16(header, ports));
        destination = ProxyV1Parser.socket(Arrays.copyOfRange(header, FIXED_LENGTH + size, ports), u16(header, ports + 2));
      }
    } else {
      // LOCAL with a length shorter than its family's block: 2.2 says skip it all, so no TLVs.
      tlvStart = total;
    }
    List<ProxyTlv> tlvs = new ArrayList<>();
    Problem problem = tlvs(header, tlvStart, total, tlvs);
    if (problem != null) {
      return bad(problem.reason(), problem.offset());
    }
    return new ProxyHeaderResult.Match(new ProxyHeader(2, command, family, transport, source, destination, tlvs), total);
  }

  /** What is wrong with a TLV, and where. */
  private record Problem(int offset, String reason) {}

  /** Reads the TLVs of {@code header[from, to)} into {@code out}; returns null or the first problem. */
  private static Problem tlvs(byte[] header, int from, int to, List<ProxyTlv> out) {
    int crcAt = -1;
    for (int pos = from; pos < to; ) {
      if (to - pos < TLV_HEADER_LENGTH) {
        return new Problem(pos, "truncated TLV header (" + (to - pos) + " of 3 bytes)");
      }
      int type = header[pos] & 0xFF;
      int length = u16(header, pos + 1);
      int valueAt = pos + TLV_HEADER_LENGTH;
      if (valueAt + length > to) {
        return new Problem(pos, "TLV " + ProxyTlv.name(type) + " of length " + length + " overruns the header by " + (valueAt + length - to) + " bytes");
      }
      byte[] value = Arrays.copyOfRange(header, valueAt, valueAt + length);
      switch (type) {
        case ProxyTlv.CRC32C -> {
          if (length != 4) {
            return new Problem(pos, "CRC32C TLV of length " + length + " (expected 4)");
          }
          if (crcAt >= 0) {
            return new Problem(pos, "second CRC32C TLV");
          }
          crcAt = valueAt;
        }
        case ProxyTlv.NOOP -> { } // 2.2.4: ignored
        case ProxyTlv.UNIQUE_ID -> {
          if (length > ProxyTlv.MAX_UNIQUE_ID_LENGTH) {
            return new Problem(pos, "UNIQUE_ID of " + length + " bytes (at most 128)");
          }
          out.add(ProxyTlv.of(type, value));
        }
        case ProxyTlv.AUTHORITY -> {
          if (ProxyTlv.utf8OrNull(value) == null) {
            return new Problem(valueAt, "AUTHORITY is not valid UTF-8");
          }
          out.add(ProxyTlv.of(type, value));
        }
        case ProxyTlv.NETNS -> {
          if (!isAscii(value)) {
            return new Problem(valueAt, "NETNS is not US-ASCII");
          }
          out.add(ProxyTlv.of(type, value));
        }
        case ProxyTlv.SSL -> {
          if (length < ProxyTlv.SSL_FIXED_LENGTH) {
            return new Problem(pos, "SSL TLV of length " + length + " (at least 5: client, verify)");
          }
          List<ProxyTlv> subs = new ArrayList<>();
          Problem problem = sslSubTlvs(header, valueAt + ProxyTlv.SSL_FIXED_LENGTH, valueAt + length, subs);
          if (problem != null) {
            return problem;
          }
          out.add(new ProxyTlv(type, value, subs));
        }
        default -> out.add(ProxyTlv.of(type, value)); // ALPN, custom, experimental, future: raw
      }
      pos = valueAt + length;
    }
    if (crcAt >= 0) {
      long expected = (header[crcAt] & 0xFFL) << 24 | (header[crcAt + 1] & 0xFF) << 16 | (header[crcAt + 2] & 0xFF) << 8 | (header[crcAt + 3] & 0xFF);
      long computed = crc32c(header, crcAt);
      if (computed != expected) {
        return new Problem(crcAt, "CRC32C mismatch (header says 0x" + Long.toHexString(expected) + ", computed 0x" + Long.toHexString(computed) + ")");
      }
    }
    return null;
  }

  private static Problem sslSubTlvs(byte[] header, int from, int to, List<ProxyTlv> out) {
    for (int pos = from; pos < to; ) {
      if (to - pos < TLV_HEADER_LENGTH) {
        return new Problem(pos, "truncated SSL sub-TLV header (" + (to - pos) + " of 3 bytes)");
      }
      int type = header[pos] & 0xFF;
      int length = u16(header, pos + 1);
      int valueAt = pos + TLV_HEADER_LENGTH;
      if (valueAt + length > to) {
        return new Problem(pos, "SSL sub-TLV " + ProxyTlv.name(type) + " of length " + length + " overruns the SSL TLV by " + (valueAt + length - to) + " bytes");
      }
      byte[] value = Arrays.copyOfRange(header, valueAt, valueAt + length);
      boolean text = type >= ProxyTlv.SSL_VERSION && type <= ProxyTlv.SSL_SIG_SCHEME;
      if (text && ProxyTlv.utf8OrNull(value) == null) {
        return new Problem(valueAt, "SSL sub-TLV " + ProxyTlv.name(type) + " is not valid UTF-8");
      }
      out.add(ProxyTlv.of(type, value));
      pos = valueAt + length;
    }
    return null;
  }

  /** CRC32C (RFC 4960 Appendix B) of the header with the 4 checksum bytes at {@code crcAt} as zeroes. */
  static long crc32c(byte[] header, int crcAt) {
    CRC32C crc = new CRC32C();
    crc.update(header, 0, crcAt);
    crc.update(new byte[4], 0, 4);
    crc.update(header, crcAt + 4, header.length - crcAt - 4);
    return crc.getValue();
  }

  private static boolean isAscii(byte[] value) {
    for (byte b : value) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  private static int u16(byte[] b, int at) {
    return (b[at] & 0xFF) << 8 | (b[at + 1] & 0xFF);
  }

  private static ProxyHeaderResult bad(String reason, int offset) {
    return new ProxyHeaderResult.NoMatch("PROXY v2: " + reason, offset, true);
  }
}
