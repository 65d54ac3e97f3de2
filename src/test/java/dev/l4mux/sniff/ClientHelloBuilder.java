package dev.l4mux.sniff;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Test helper: builds synthetic ClientHellos (RFC 8446 4.1.2) field by field, for the shapes no
 * real client here sends (ECH, oversized, malformed). Lengths are computed unless overridden.
 */
final class ClientHelloBuilder {

  int legacyVersion = 0x0303;
  byte[] sessionId = new byte[32];
  int[] cipherSuites = {0x1301, 0x1302, 0x1303};
  byte[] compressionMethods = {0};
  boolean withExtensionsBlock = true;
  private final ByteArrayOutputStream extensions = new ByteArrayOutputStream();

  ClientHelloBuilder serverName(String hostName) {
    byte[] name = hostName.getBytes(StandardCharsets.ISO_8859_1);
    ByteArrayOutputStream entry = new ByteArrayOutputStream();
    entry.write(0); // host_name
    u16(entry, name.length);
    entry.writeBytes(name);
    return extension(0, vector16(entry.toByteArray()));
  }

  ClientHelloBuilder alpn(String... protocols) {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    for (String protocol : protocols) {
      byte[] name = protocol.getBytes(StandardCharsets.ISO_8859_1);
      list.write(name.length);
      list.writeBytes(name);
    }
    return extension(16, vector16(list.toByteArray()));
  }

  ClientHelloBuilder supportedVersions(int... versions) {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    list.write(versions.length * 2);
    for (int version : versions) {
      u16(list, version);
    }
    return extension(43, list.toByteArray());
  }

  /** An outer encrypted_client_hello (type 0xfe0d): ECHClientHelloType outer(0), then opaque. */
  ClientHelloBuilder encryptedClientHello() {
    return extension(0xfe0d, new byte[] {0, 0, 1, 0, 1, 7, 0, 0, 0, 0});
  }

  ClientHelloBuilder extension(int type, byte[] data) {
    u16(extensions, type);
    u16(extensions, data.length);
    extensions.writeBytes(data);
    return this;
  }

  byte[] body() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u16(out, legacyVersion);
    out.writeBytes(new byte[32]); // random
    out.write(sessionId.length);
    out.writeBytes(sessionId);
    u16(out, cipherSuites.length * 2);
    for (int suite : cipherSuites) {
      u16(out, suite);
    }
    out.write(compressionMethods.length);
    out.writeBytes(compressionMethods);
    if (withExtensionsBlock) {
      out.writeBytes(vector16(extensions.toByteArray()));
    }
    return out.toByteArray();
  }

  /** RFC 8446 4: msg_type client_hello(1), uint24 length, body. */
  byte[] handshake() {
    byte[] body = body();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(1);
    out.write(body.length >> 16);
    u16(out, body.length);
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** The handshake in records of at most 2^14 bytes (RFC 8446 5.1). */
  byte[] records() {
    return TlsRecords.fragment(handshake(), 1 << 14, TlsRecords.TLS_1_0);
  }

  static byte[] vector16(byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u16(out, content.length);
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static void u16(ByteArrayOutputStream out, int value) {
    out.write(value >> 8);
    out.write(value);
  }
}
