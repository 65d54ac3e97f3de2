package dev.l4mux.sniff.quic;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Builds protected client Initial packets (RFC 9001 5.3, 5.4) for tests: frames in, a packet out.
 * Checked against RFC 9001 A.2 and RFC 9369 A.2, which it reproduces byte for byte.
 */
public final class QuicPacketBuilder {

  private final QuicVersion version;
  private final byte[] destinationId;
  private final byte[] sourceId;
  private final QuicInitialKeys keys;

  public QuicPacketBuilder(QuicVersion version, byte[] destinationId, byte[] sourceId) {
    this.version = version;
    this.destinationId = destinationId.clone();
    this.sourceId = sourceId.clone();
    this.keys = QuicInitialKeys.client(version, destinationId);
  }

  /** A protected Initial with a 4-byte packet number and a 2-byte Length, as in RFC 9001 A.2. */
  public byte[] initial(long packetNumber, byte[] frames) {
    int pnLength = 4;
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    header.write(0xc0 | (version.initialType() << 4) | (pnLength - 1));
    int wire = version.wireValue();
    header.write(wire >>> 24);
    header.write(wire >>> 16);
    header.write(wire >>> 8);
    header.write(wire);
    header.write(destinationId.length);
    header.writeBytes(destinationId);
    header.write(sourceId.length);
    header.writeBytes(sourceId);
    header.write(0); // token length
    int length = pnLength + frames.length + QuicInitialKeys.TAG_LENGTH;
    header.write(0x40 | (length >>> 8)); // 2-byte varint (RFC 9000 16)
    header.write(length);
    int pnOffset = header.size();
    for (int i = pnLength - 1; i >= 0; i--) {
      header.write((int) (packetNumber >>> (8 * i)));
    }
    byte[] plainHeader = header.toByteArray();
    byte[] packet = Arrays.copyOf(plainHeader, plainHeader.length + length - pnLength);
    byte[] sealed = seal(plainHeader, frames, packetNumber);
    System.arraycopy(sealed, 0, packet, plainHeader.length, sealed.length);
    byte[] mask = keys.headerProtectionMask(packet, pnOffset + 4);
    packet[0] ^= (byte) (mask[0] & 0x0f);
    for (int i = 0; i < pnLength; i++) {
      packet[pnOffset + i] ^= mask[1 + i];
    }
    return packet;
  }

  private byte[] seal(byte[] aad, byte[] plaintext, long packetNumber) {
    byte[] nonce = keys.iv();
    for (int i = 0; i < 8; i++) {
      nonce[nonce.length - 1 - i] ^= (byte) (packetNumber >>> (8 * i));
    }
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(
          Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.key(), "AES"), new GCMParameterSpec(128, nonce));
      gcm.updateAAD(aad);
      return gcm.doFinal(plaintext);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A CRYPTO frame (RFC 9000 19.6) with 4-byte varints for offset and length. */
  public static byte[] cryptoFrame(long offset, byte[] data, int from, int to) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x06);
    writeVarint4(out, offset);
    writeVarint4(out, to - from);
    out.write(data, from, to - from);
    return out.toByteArray();
  }

  /** Concatenated frames, padded with PADDING frames to {@code size} bytes when larger. */
  public static byte[] frames(int size, byte[]... frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] frame : frames) {
      out.writeBytes(frame);
    }
    while (out.size() < size) {
      out.write(0);
    }
    return out.toByteArray();
  }

  public static byte[] concat(byte[]... parts) {
    return frames(0, parts);
  }

  private static void writeVarint4(ByteArrayOutputStream out, long value) {
    out.write(0x80 | (int) (value >>> 24));
    out.write((int) (value >>> 16));
    out.write((int) (value >>> 8));
    out.write((int) value);
  }
}
