package dev.l4mux.limits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The whole 128-bit keys of a {@link SourceTable}'s IPv6 clients, two longs per slot beside the
 * table (whose state words keep only a fingerprint). Made when the first IPv6 client comes, so a
 * node that sees IPv4 only never pays its memory. Written with release and read with acquire
 * semantics: the table reads a key between two reads of the slot's state word, as in a seqlock.
 */
final class WideKeys {

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

  private final int slots;
  private final AtomicReference<long[]> keys = new AtomicReference<>();

  WideKeys(int slots) {
    this.slots = slots;
  }

  /** Writes the key of the client that just took {@code slot} (of two loops making the array at once, one's is kept). */
  void write(int slot, long hi, long lo) {
    long[] k = keys.get();
    if (k == null) {
      keys.compareAndSet(null, new long[2 * slots]);
      k = keys.get();
    }
    LONGS.setRelease(k, 2 * slot, hi);
    LONGS.setRelease(k, 2 * slot + 1, lo);
  }

  /** Whether {@code slot}'s key, as read now, is this one (false before any IPv6 client came). */
  boolean is(int slot, long hi, long lo) {
    long[] k = keys.get();
    return k != null && (long) LONGS.getAcquire(k, 2 * slot) == hi && (long) LONGS.getAcquire(k, 2 * slot + 1) == lo;
  }

  /** {@code slot}'s key as text (for tests). */
  String describe(int slot) {
    long[] k = keys.get();
    return k == null ? "none" : k[2 * slot] + "/" + k[2 * slot + 1];
  }
}
