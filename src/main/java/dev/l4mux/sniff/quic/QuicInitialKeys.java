package dev.l4mux.sniff.quic;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client's Initial packet protection (RFC 9001 5.2, RFC 9369 3.3): keys derived from the
 * client's first Destination Connection ID with HKDF-SHA256, AES-128-GCM for the payload (5.3)
 * and AES-128-ECB for the header protection mask (5.4.3). Everything goes through the JCA.
 */
public final class QuicInitialKeys {

  private static final int SECRET_LENGTH = 32; // SHA-256
  private static final int KEY_LENGTH = 16; // AES-128
  private static final int IV_LENGTH = 12; // RFC 9001 5.3: nonce length of AEAD_AES_128_GCM
  static final int TAG_LENGTH = 16;
  static final int SAMPLE_LENGTH = 16; // RFC 9001 5.4.2

  private final byte[] key;
  private final byte[] iv;
  private final byte[] headerProtectionKey;

  private QuicInitialKeys(byte[] key, byte[] iv, byte[] headerProtectionKey) {
    this.key = key;
    this.iv = iv;
    this.headerProtectionKey = headerProtectionKey;
  }

  /** The keys a client protects its Initial packets with, for this original DCID. */
  public static QuicInitialKeys client(QuicVersion version, byte[] originalDestinationId) {
    byte[] initialSecret = hmac(version.initialSalt(), originalDestinationId); // HKDF-Extract
    byte[] clientSecret = expandLabel(initialSecret, "client in", SECRET_LENGTH);
    return fromSecret(version, clientSecret);
  }

  /** Keys from a traffic secret (RFC 9001 5.1): "quic key", "quic iv", "quic hp" (v2: "quicv2 "). */
  public static QuicInitialKeys fromSecret(QuicVersion version, byte[] secret) {
    return new QuicInitialKeys(
        expandLabel(secret, version.label("key"), KEY_LENGTH),
        expandLabel(secret, version.label("iv"), IV_LENGTH),
        expandLabel(secret, version.label("hp"), KEY_LENGTH));
  }

  public byte[] key() {
    return key.clone();
  }

  public byte[] iv() {
    return iv.clone();
  }

  public byte[] headerProtectionKey() {
    return headerProtectionKey.clone();
  }

  /** The 5-byte header protection mask for a 16-byte sample (RFC 9001 5.4.3). */
  public byte[] headerProtectionMask(byte[] packet, int sampleOffset) {
    try {
      Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
      aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(headerProtectionKey, "AES"));
      return aes.doFinal(packet, sampleOffset, SAMPLE_LENGTH);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-ECB unavailable in this JVM", e);
    }
  }

  /**
   * Opens an AEAD-protected payload (RFC 9001 5.3): the associated data is the unprotected header
   * {@code packet[headerStart, payloadStart)}. Returns null when the tag does not verify.
   */
  public byte[] open(
      byte[] packet, int headerStart, int payloadStart, int payloadEnd, long packetNumber) {
    byte[] nonce = iv.clone();
    for (int i = 0; i < 8; i++) {
      nonce[IV_LENGTH - 1 - i] ^= (byte) (packetNumber >>> (8 * i));
    }
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(key, "AES"),
          new GCMParameterSpec(TAG_LENGTH * 8, nonce));
      gcm.updateAAD(packet, headerStart, payloadStart - headerStart);
      return gcm.doFinal(packet, payloadStart, payloadEnd - payloadStart);
    } catch (AEADBadTagException e) {
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable in this JVM", e);
    }
  }

  /** HKDF-Expand-Label (RFC 8446 7.1) with an empty context, for lengths up to one SHA-256 block. */
  static byte[] expandLabel(byte[] secret, String label, int length) {
    byte[] fullLabel = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
    byte[] info = new byte[2 + 1 + fullLabel.length + 1 + 1];
    info[0] = (byte) (length >>> 8);
    info[1] = (byte) length;
    info[2] = (byte) fullLabel.length;
    System.arraycopy(fullLabel, 0, info, 3, fullLabel.length);
    info[3 + fullLabel.length] = 0; // empty context
    info[info.length - 1] = 1; // HKDF-Expand (RFC 5869 2.3): T(1) = HMAC(PRK, info | 0x01)
    byte[] block = hmac(secret, info);
    byte[] out = new byte[length];
    System.arraycopy(block, 0, out, 0, length);
    return out;
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable in this JVM", e);
    }
  }
}
