package dev.l4mux.sniff;

import java.io.ByteArrayOutputStream;

/** Test helper: takes TLS records (RFC 8446 5.1) apart and builds them again. */
final class TlsRecords {

  static final int HANDSHAKE = 22;
  static final int TLS_1_0 = 0x0301;
  static final int TLS_1_2 = 0x0303;

  private TlsRecords() {}

  /** Concatenates the fragments of every record, assumed well-formed and complete. */
  static byte[] fragments(byte[] records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int pos = 0; pos + 5 <= records.length; ) {
      int length = ((records[pos + 3] & 0xff) << 8) | (records[pos + 4] & 0xff);
      out.write(records, pos + 5, length);
      pos += 5 + length;
    }
    return out.toByteArray();
  }

  /** Splits {@code payload} into handshake records of at most {@code fragmentSize} bytes each. */
  static byte[] fragment(byte[] payload, int fragmentSize, int recordVersion) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int pos = 0; pos < payload.length; pos += fragmentSize) {
      int length = Math.min(fragmentSize, payload.length - pos);
      out.write(HANDSHAKE);
      out.write(recordVersion >> 8);
      out.write(recordVersion);
      out.write(length >> 8);
      out.write(length);
      out.write(payload, pos, length);
    }
    return out.toByteArray();
  }

  /** Re-fragments well-formed records into records of {@code fragmentSize} bytes. */
  static byte[] refragment(byte[] records, int fragmentSize) {
    int version = ((records[1] & 0xff) << 8) | (records[2] & 0xff);
    return fragment(fragments(records), fragmentSize, version);
  }
}
