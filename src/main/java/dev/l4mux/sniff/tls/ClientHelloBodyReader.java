package dev.l4mux.sniff.tls;

import dev.l4mux.sniff.tls.ClientHelloResult.Malformed;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the fields of one complete ClientHello body (RFC 8446 4.1.2) in a single pass; every read
 * is bounds-checked against {@code end}, so no input makes it throw. Offsets in {@link Malformed}
 * are indexes into {@code bytes}.
 */
final class ClientHelloBodyReader {

  static final int LEGACY_VERSION_AND_RANDOM_LENGTH = 2 + 32; // RFC 8446 4.1.2
  static final int MAX_SESSION_ID_LENGTH = 32; // RFC 8446 4.1.2 legacy_session_id<0..32>
  static final int EXTENSION_SERVER_NAME = 0; // RFC 6066 3
  static final int EXTENSION_ALPN = 16; // RFC 7301 3.1
  static final int EXTENSION_SUPPORTED_VERSIONS = 43; // RFC 8446 4.2.1
  static final int EXTENSION_ENCRYPTED_CLIENT_HELLO = 0xfe0d; // draft-ietf-tls-esni, section 5
  static final int NAME_TYPE_HOST_NAME = 0; // RFC 6066 3
  static final int MAX_HOST_NAME_LENGTH = 253; // RFC 1035 2.3.4, without the trailing dot
  static final int MAX_LABEL_LENGTH = 63; // RFC 1035 2.3.4

  private final byte[] bytes;
  private final int end;
  private int pos;
  private Malformed failure;
  private String serverName;
  private final List<String> alpn = new ArrayList<>();
  private final List<Integer> supportedVersions = new ArrayList<>();
  private final List<Integer> extensionTypes = new ArrayList<>();
  private boolean encryptedClientHello;

  ClientHelloBodyReader(byte[] bytes, int start, int end) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  ClientHelloResult read() {
    if (!has(LEGACY_VERSION_AND_RANDOM_LENGTH, "legacy_version and random")) {
      return failure;
    }
    int legacyVersion = u16(pos);
    if (legacyVersion >> 8 != TlsRecordLayer.RECORD_VERSION_MAJOR) {
      return fail("legacy_version major is not 3 (RFC 8446 4.1.2)", pos);
    }
    pos += LEGACY_VERSION_AND_RANDOM_LENGTH;
    if (!has(1, "legacy_session_id length")) {
      return failure;
    }
    int sessionIdLength = u8(pos);
    if (sessionIdLength > MAX_SESSION_ID_LENGTH) {
      return fail("legacy_session_id longer than 32 bytes (RFC 8446 4.1.2)", pos);
    }
    pos++;
    if (!skip(sessionIdLength, "legacy_session_id") || !has(2, "cipher_suites length")) {
      return failure;
    }
    int cipherSuitesLength = u16(pos);
    if (cipherSuitesLength < 2 || cipherSuitesLength % 2 != 0) {
      return fail("cipher_suites length not even and >= 2 (RFC 8446 4.1.2)", pos);
    }
    pos += 2;
    if (!skip(cipherSuitesLength, "cipher_suites") || !has(1, "legacy_compression_methods")) {
      return failure;
    }
    int compressionMethodsLength = u8(pos);
    if (compressionMethodsLength < 1) {
      return fail("no legacy_compression_methods (RFC 8446 4.1.2)", pos);
    }
    pos++;
    if (!skip(compressionMethodsLength, "legacy_compression_methods")) {
      return failure;
    }
    // RFC 5246 7.4.1.2: before TLS 1.3 the extensions block may be absent altogether.
    if (pos < end && !readExtensions()) {
      return failure;
    }
    return new ClientHelloResult.Parsed(
        new ClientHello(
            legacyVersion,
            sessionIdLength,
            cipherSuitesLength / 2,
            serverName,
            alpn,
            supportedVersions,
            encryptedClientHello,
            extensionTypes));
  }

  private boolean readExtensions() {
    if (!has(2, "extensions length")) {
      return false;
    }
    int extensionsLength = u16(pos);
    if (extensionsLength != end - pos - 2) {
      return failed("extensions length does not match the ClientHello length", pos);
    }
    pos += 2;
    Set<Integer> seen = new HashSet<>();
    while (pos < end) {
      if (!has(4, "extension header")) {
        return false;
      }
      int type = u16(pos);
      int length = u16(pos + 2);
      if (!seen.add(type)) {
        // RFC 8446 4.2: at most one extension of each type in a block.
        return failed("duplicate extension " + type + " (RFC 8446 4.2)", pos);
      }
      extensionTypes.add(type);
      pos += 4;
      if (!has(length, "extension " + type)) {
        return false;
      }
      int start = pos;
      pos += length;
      boolean ok =
          switch (type) {
            case EXTENSION_SERVER_NAME -> readServerName(start, pos);
            case EXTENSION_ALPN -> readAlpn(start, pos);
            case EXTENSION_SUPPORTED_VERSIONS -> readSupportedVersions(start, pos);
            case EXTENSION_ENCRYPTED_CLIENT_HELLO -> markEncryptedClientHello();
            default -> true;
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** draft-ietf-tls-esni 5: only presence matters; the payload is opaque to a sniffer. */
  private boolean markEncryptedClientHello() {
    encryptedClientHello = true;
    return true;
  }

  /** RFC 6066 3: ServerNameList server_name_list<1..2^16-1>, at most one host_name. */
  private boolean readServerName(int start, int limit) {
    if (limit - start < 2 || u16(start) != limit - start - 2 || limit - start == 2) {
      return failed("server_name list length invalid (RFC 6066 3)", start);
    }
    int p = start + 2;
    while (p < limit) {
      // Every NameType carries opaque<1..2^16-1> in practice; only host_name(0) is defined.
      if (limit - p < 3) {
        return failed("server_name entry truncated (RFC 6066 3)", p);
      }
      int nameType = u8(p);
      int nameLength = u16(p + 1);
      int nameStart = p + 3;
      if (nameLength == 0 || nameLength > limit - nameStart) {
        return failed("server_name entry length invalid (RFC 6066 3)", p + 1);
      }
      if (nameType == NAME_TYPE_HOST_NAME) {
        if (serverName != null) {
          return failed("more than one host_name (RFC 6066 3)", p);
        }
        if (!isHostName(nameStart, nameStart + nameLength)) {
          return failed("host_name is not a DNS host name (RFC 6066 3)", nameStart);
        }
        serverName =
            new String(bytes, nameStart, nameLength, StandardCharsets.US_ASCII)
                .toLowerCase(Locale.ROOT);
      }
      p = nameStart + nameLength;
    }
    return true;
  }

  /**
   * RFC 6066 3: ASCII host name, no trailing dot, no IP literal. Labels are letters, digits, hyphen
   * and (seen in the wild) underscore; an all-digit last label marks an IPv4 literal.
   */
  private boolean isHostName(int start, int limit) {
    if (limit - start > MAX_HOST_NAME_LENGTH) {
      return false;
    }
    int labelStart = start;
    boolean labelAllDigits = true;
    for (int p = start; p <= limit; p++) {
      if (p == limit || bytes[p] == '.') {
        int labelLength = p - labelStart;
        if (labelLength == 0 || labelLength > MAX_LABEL_LENGTH) {
          return false;
        }
        if (p == limit) {
          return !labelAllDigits;
        }
        labelStart = p + 1;
        labelAllDigits = true;
        continue;
      }
      int c = bytes[p];
      boolean digit = c >= '0' && c <= '9';
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!digit && !letter && c != '-' && c != '_') {
        return false;
      }
      labelAllDigits &= digit;
    }
    return false; // unreachable: the loop returns at p == limit
  }

  /** RFC 7301 3.1: ProtocolName protocol_name_list<2..2^16-1>, each name opaque<1..2^8-1>. */
  private boolean readAlpn(int start, int limit) {
    if (limit - start < 2 || u16(start) != limit - start - 2 || limit - start == 2) {
      return failed("ALPN protocol_name_list length invalid (RFC 7301 3.1)", start);
    }
    for (int p = start + 2; p < limit; ) {
      int nameLength = u8(p);
      if (nameLength == 0 || nameLength > limit - p - 1) {
        return failed("ALPN protocol name empty or truncated (RFC 7301 3.1)", p);
      }
      alpn.add(new String(bytes, p + 1, nameLength, StandardCharsets.ISO_8859_1));
      p += 1 + nameLength;
    }
    return true;
  }

  /** RFC 8446 4.2.1: ProtocolVersion versions<2..254> in a ClientHello. */
  private boolean readSupportedVersions(int start, int limit) {
    int length = limit - start - 1;
    if (length < 2 || length % 2 != 0 || u8(start) != length) {
      return failed("supported_versions length invalid (RFC 8446 4.2.1)", start);
    }
    for (int p = start + 1; p < limit; p += 2) {
      int version = u16(p);
      if (!isGrease(version)) {
        supportedVersions.add(version);
      }
    }
    return true;
  }

  /** RFC 8701 2: GREASE values are 0x?A?A with both bytes equal. */
  private static boolean isGrease(int value) {
    return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
  }

  private boolean has(int n, String what) {
    return end - pos >= n || failed(what + " runs past the end of the ClientHello", pos);
  }

  private boolean skip(int n, String what) {
    if (!has(n, what)) {
      return false;
    }
    pos += n;
    return true;
  }

  private boolean failed(String reason, int offset) {
    failure = new Malformed(reason, offset);
    return false;
  }

  private Malformed fail(String reason, int offset) {
    failed(reason, offset);
    return failure;
  }

  private int u8(int p) {
    return bytes[p] & 0xff;
  }

  private int u16(int p) {
    return ((bytes[p] & 0xff) << 8) | (bytes[p + 1] & 0xff);
  }
}
