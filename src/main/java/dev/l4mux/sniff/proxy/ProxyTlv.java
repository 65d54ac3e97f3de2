package dev.l4mux.sniff.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One PROXY v2 type-length-value (doc/proxy-protocol.txt section 2.2). The value is kept as raw
 * bytes whatever the type, so a TLV can be forwarded as it came; {@code subTlvs} holds the
 * second-level TLVs of {@link #SSL} (section 2.2.6), empty for every other type.
 */
public record ProxyTlv(int type, byte[] value, List<ProxyTlv> subTlvs) {

  public static final int ALPN = 0x01; // 2.2.1
  public static final int AUTHORITY = 0x02; // 2.2.2
  public static final int CRC32C = 0x03; // 2.2.3
  public static final int NOOP = 0x04; // 2.2.4
  public static final int UNIQUE_ID = 0x05; // 2.2.5
  public static final int SSL = 0x20; // 2.2.6
  public static final int SSL_VERSION = 0x21;
  public static final int SSL_CN = 0x22;
  public static final int SSL_CIPHER = 0x23;
  public static final int SSL_SIG_ALG = 0x24;
  public static final int SSL_KEY_ALG = 0x25;
  public static final int SSL_GROUP = 0x26;
  public static final int SSL_SIG_SCHEME = 0x27;
  public static final int SSL_CLIENT_CERT = 0x28;
  public static final int NETNS = 0x30; // 2.2.7
  public static final int MIN_CUSTOM = 0xE0; // 2.2.8
  public static final int MAX_CUSTOM = 0xEF;
  public static final int MAX_EXPERIMENT = 0xF7;

  public static final int MAX_UNIQUE_ID_LENGTH = 128; // 2.2.5
  /** {@code client} (1 byte) and {@code verify} (4 bytes) of struct pp2_tlv_ssl. */
  public static final int SSL_FIXED_LENGTH = 5;

  public static final int CLIENT_SSL = 0x01;
  public static final int CLIENT_CERT_CONN = 0x02;
  public static final int CLIENT_CERT_SESS = 0x04;

  public ProxyTlv {
    value = value.clone();
    subTlvs = List.copyOf(subTlvs);
  }

  public static ProxyTlv of(int type, byte[] value) {
    return new ProxyTlv(type, value, List.of());
  }

  public static ProxyTlv text(int type, String value) {
    return of(type, value.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  public int length() {
    return value.length;
  }

  /** The value as UTF-8 text (AUTHORITY, the SSL strings, NETNS, and text custom TLVs). */
  public String text() {
    return new String(value, StandardCharsets.UTF_8);
  }

  /** SSL only: the {@code client} bit field (CLIENT_SSL, CLIENT_CERT_CONN, CLIENT_CERT_SESS). */
  public int sslClient() {
    return value[0] & 0xFF;
  }

  /** SSL only: {@code verify}, zero when a client certificate was presented and verified. */
  public long sslVerify() {
    return ByteBuffer.wrap(value, 1, 4).getInt() & 0xFFFFFFFFL;
  }

  /** A stable, readable name for logs: "alpn", "authority", ..., or "0xe0" for other types. */
  public static String name(int type) {
    return switch (type) {
      case ALPN -> "alpn";
      case AUTHORITY -> "authority";
      case CRC32C -> "crc32c";
      case NOOP -> "noop";
      case UNIQUE_ID -> "uniqueId";
      case SSL -> "ssl";
      case SSL_VERSION -> "version";
      case SSL_CN -> "cn";
      case SSL_CIPHER -> "cipher";
      case SSL_SIG_ALG -> "sigAlg";
      case SSL_KEY_ALG -> "keyAlg";
      case SSL_GROUP -> "group";
      case SSL_SIG_SCHEME -> "sigScheme";
      case SSL_CLIENT_CERT -> "clientCert";
      case NETNS -> "netns";
      default -> String.format("0x%02x", type);
    };
  }

  /**
   * The TLVs as a flat map for the access log and the admin API: {@code name -> value}, SSL
   * sub-TLVs as {@code ssl.<name>} beside {@code ssl.client} and {@code ssl.verify}. A value that
   * is printable UTF-8 is shown as text, any other as {@code 0x} and hex. The first of several
   * TLVs of one type wins.
   */
  public static Map<String, String> describe(List<ProxyTlv> tlvs) {
    Map<String, String> out = new LinkedHashMap<>();
    for (ProxyTlv tlv : tlvs) {
      if (tlv.type == SSL) {
        out.putIfAbsent("ssl.client", String.format("0x%02x", tlv.sslClient()));
        out.putIfAbsent("ssl.verify", Long.toString(tlv.sslVerify()));
        for (ProxyTlv sub : tlv.subTlvs) {
          out.putIfAbsent("ssl." + name(sub.type), display(sub.value));
        }
      } else {
        out.putIfAbsent(name(tlv.type), display(tlv.value));
      }
    }
    return out;
  }

  static String display(byte[] bytes) {
    String text = utf8OrNull(bytes);
    if (text != null && text.codePoints().allMatch(c -> c >= 0x20 && c != 0x7F)) {
      return text;
    }
    StringBuilder hex = new StringBuilder(2 + bytes.length * 2).append("0x");
    for (byte b : bytes) {
      hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return hex.toString();
  }

  /** Strict UTF-8 decoding: null for malformed input (never a replacement character). */
  static String utf8OrNull(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProxyTlv t && t.type == type && Arrays.equals(t.value, value) && t.subTlvs.equals(subTlvs);
  }

  @Override
  public int hashCode() {
    return type * 31 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return name(type) + "=" + display(value);
  }
}
