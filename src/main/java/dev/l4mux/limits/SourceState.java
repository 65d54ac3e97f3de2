package dev.l4mux.limits;

/**
 * The state word of a {@link SourceTable} slot, the one word every change of a slot swaps by
 * compare-and-set. From the low bits: the phase (2 bits), a CLOCK reference bit, the client's holds
 * (21 bits), a version (7 bits) bumped whenever the slot is taken or evicted, a wide bit, and the
 * key (32 bits): an IPv4 client's whole address, or with the wide bit an IPv6 client's fingerprint
 * (its whole key sits beside the table). So for IPv4 one read tells whose the slot is, and a
 * compare-and-set that changes the count confirms it in the same instruction.
 */
final class SourceState {

  static final int EMPTY = 0;
  static final int CLAIMED = 1; // being written by the thread that took it: no one else touches it
  static final int TENTATIVE = 2; // key written, not yet found by lookups (SourceTable's class comment)
  static final int LIVE = 3;
  private static final long PHASE = 3;
  static final long REF = 4;
  private static final int HOLDS_SHIFT = 3;
  static final long HOLD = 1L << HOLDS_SHIFT;
  /**
   * Holds of one client at most: more than one process can have sockets open for (Linux's {@code
   * fs.nr_open}, 1,048,576 by default, and a relayed connection takes two).
   */
  static final int MAX_HOLDS = (1 << 21) - 1;
  private static final long HOLDS = (long) MAX_HOLDS << HOLDS_SHIFT;
  private static final int VERSION_SHIFT = 24;
  private static final long VERSION = 1L << VERSION_SHIFT;
  private static final long VERSIONS = 0x7FL << VERSION_SHIFT;
  private static final long WIDE = 1L << 31;
  /** The key bits with the wide bit: all that names the client. */
  private static final long KEY = 0xFFFF_FFFF_0000_0000L | WIDE;
  private static final long V4_MAPPED = 0xFFFFL; // the high half of an IPv4 key's low word (SourceKeys)

  private SourceState() {}

  static int phase(long state) {
    return (int) (state & PHASE);
  }

  static int holdsOf(long state) {
    return (int) ((state & HOLDS) >>> HOLDS_SHIFT);
  }

  /** The key bits of a state word for this client: its IPv4 address, or its IPv6 fingerprint and the wide bit. */
  static long keyBits(long hi, long lo) {
    return hi == 0 && lo >>> 32 == V4_MAPPED
        ? lo << 32
        : (long) SourceSlots.fingerprint(hi, lo) << 32 | WIDE;
  }

  /** The key bits of state {@code s} (as {@link #keyBits} makes them). */
  static long keyOf(long s) {
    return s & KEY;
  }

  static boolean isWide(long keyOrState) {
    return (keyOrState & WIDE) != 0;
  }

  /** The version after {@code s}'s, in its field (it wraps). */
  static long nextVersion(long s) {
    return (s & VERSIONS) + VERSION & VERSIONS;
  }

  /** A slot just taken for the client {@code key}, after state {@code s}: no holds, not yet found. */
  static long claimed(long s, long key) {
    return key | nextVersion(s) | CLAIMED;
  }

  /** The state after {@code s} evicts its client: empty, with a new version. */
  static long evicted(long s) {
    return s & ~(PHASE | REF | VERSIONS) | nextVersion(s);
  }

  /** The state {@code s} in another phase. */
  static long inPhase(long s, int phase) {
    return s & ~PHASE | phase;
  }

  /** Whether two reads of one slot saw the same client in the same taking of the slot. */
  static boolean sameTaking(long a, long b) {
    return ((a ^ b) & (VERSIONS | KEY)) == 0;
  }
}
