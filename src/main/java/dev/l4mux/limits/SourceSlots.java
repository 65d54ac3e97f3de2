package dev.l4mux.limits;

/**
 * Where a {@link SourceTable} keeps a client: the layout of its {@code long[]} and a client's
 * candidate slots. There are twice as many slots as places in the bound, so at the bound half are
 * empty and most clients sit in the first bucket their hash names. A slot is two longs (16 bytes):
 * the state word, which carries the client's key (an IPv4 address whole, an IPv6 address as a
 * fingerprint), then the value. A bucket is four slots, 64 bytes: one cache line, so a lookup in a
 * client's first bucket costs one line. A client has four candidate buckets named by independent
 * hashes (16 slots), so a new client finds no room only when all 16 hold open connections, or when
 * the bound is reached and nothing idle is found (SourceTable).
 */
final class SourceSlots {

  /** Slots a client may sit in: {@link #BUCKETS} buckets of {@link #PER_BUCKET}. */
  static final int CANDIDATES = 16;
  static final int BUCKETS = 4;
  static final int PER_BUCKET = 4;
  private static final int LONGS_PER_SLOT = 2;
  /** Offset in a slot from its state word ({@link #at}) of the value word. */
  static final int VALUE = 1;
  /**
   * Longs before slot 0. G1 places an array this large (humongous: at least half a region) at the
   * start of a region and never moves it; its elements start 16 bytes in, so 6 longs more put every
   * bucket on a 64-byte boundary, in one cache line. A smaller array (a small table, in the caches
   * anyway) has no such guarantee: a bucket may then straddle two lines.
   */
  private static final int PAD = 6;
  private static final long GOLDEN = 0x9E37_79B9_7F4A_7C15L; // 2^64 / golden ratio: Fibonacci hashing

  private final int buckets;

  SourceSlots(int capacity) {
    this.buckets = Math.max(1, (int) ((capacity + 1L) / 2)); // 2 x capacity slots, 4 to a bucket
  }

  int count() {
    return buckets * PER_BUCKET;
  }

  int arrayLength() {
    return PAD + count() * LONGS_PER_SLOT;
  }

  /** Index of the slot's state word; the value follows. */
  static int at(int slot) {
    return PAD + slot * LONGS_PER_SLOT;
  }

  /** The client's hash: Fibonacci hashing of its key, whose high bits name its first bucket. */
  long hash(long hi, long lo) {
    return (hi * 0xC2B2_AE3D_27D4_EB4FL ^ lo) * GOLDEN;
  }

  /**
   * An IPv6 client's 32-bit fingerprint, kept in its state word: independent of the bits that name
   * its buckets, so clients sharing a bucket rarely share one (a match is confirmed on the whole key).
   */
  static int fingerprint(long hi, long lo) {
    return (int) mix(hi ^ mix(lo));
  }

  /** The first slot of the client's {@code b}-th candidate bucket. */
  int bucketStart(long hash, int b) {
    long h = b == 0 ? hash : mix(hash + b * GOLDEN);
    return (int) (((h >>> 32) * buckets) >>> 32) * PER_BUCKET; // Lemire's reduction: any bucket count, no modulo
  }

  /** The client's {@code c}-th candidate slot (0 to {@link #CANDIDATES} - 1). */
  int candidate(long hash, int c) {
    return bucketStart(hash, c / PER_BUCKET) + c % PER_BUCKET;
  }

  /** MurmurHash3's 64-bit finalizer: the later buckets independent of the first. */
  private static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xFF51_AFD7_ED55_8CCDL;
    h ^= h >>> 33;
    h *= 0xC4CE_B9FE_1A85_EC53L;
    return h ^ h >>> 33;
  }
}
