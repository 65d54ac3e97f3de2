package dev.l4mux.sniff.quic;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The start of an Initial CRYPTO stream (RFC 9000 19.6), reassembled from frames that may arrive
 * in any order, overlap or repeat. Bounded: a frame past {@code limit} bytes is refused, and the
 * buffer grows only to the highest offset actually received.
 */
final class CryptoStream {

  private final int limit;
  private byte[] bytes = new byte[0];
  private final BitSet received = new BitSet();

  CryptoStream(int limit) {
    this.limit = limit;
  }

  /** Adds {@code length} bytes at stream {@code offset}; false when they would pass the limit. */
  boolean add(long offset, byte[] source, int from, int length) {
    if (offset < 0 || offset + length > limit) {
      return false;
    }
    int end = (int) offset + length;
    if (end > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.min(limit, Math.max(end, bytes.length * 2)));
    }
    System.arraycopy(source, from, bytes, (int) offset, length);
    received.set((int) offset, end);
    return true;
  }

  /** Bytes received without a gap from offset 0. */
  int contiguousLength() {
    return received.nextClearBit(0);
  }

  /** The backing array; its first {@link #contiguousLength()} bytes are the stream's start. */
  byte[] bytes() {
    return bytes;
  }
}
