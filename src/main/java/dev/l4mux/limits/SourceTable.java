package dev.l4mux.limits;

import static dev.l4mux.limits.SourceState.CLAIMED;
import static dev.l4mux.limits.SourceState.EMPTY;
import static dev.l4mux.limits.SourceState.HOLD;
import static dev.l4mux.limits.SourceState.LIVE;
import static dev.l4mux.limits.SourceState.MAX_HOLDS;
import static dev.l4mux.limits.SourceState.REF;
import static dev.l4mux.limits.SourceState.TENTATIVE;
import static dev.l4mux.limits.SourceState.claimed;
import static dev.l4mux.limits.SourceState.evicted;
import static dev.l4mux.limits.SourceState.holdsOf;
import static dev.l4mux.limits.SourceState.inPhase;
import static dev.l4mux.limits.SourceState.isWide;
import static dev.l4mux.limits.SourceState.keyBits;
import static dev.l4mux.limits.SourceState.keyOf;
import static dev.l4mux.limits.SourceState.phase;
import static dev.l4mux.limits.SourceState.sameTaking;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-client state (limits, sticky_source bindings) for at most {@code capacity} clients ({@code
 * defaults.limits.perIpTableSize}), shared by every event loop without a lock: an event loop that
 * waits on a lock stops every connection it carries (docs/performance.md).
 *
 * <p>One client is one slot of two longs (16 bytes) in a single {@code long[]}: its state word, which
 * carries its key, and one value word (a token bucket's number, a binding's expiry). An IPv4
 * client's key is its whole address, so one read of the state word tells whether the slot is the
 * client's, and one compare-and-set changes its count exactly when it still is. An IPv6 client's
 * state word carries a 32-bit fingerprint; its whole 128-bit key ({@link SourceKeys}) sits in a
 * second array, made when the first IPv6 client comes, and is compared on a fingerprint match.
 * Looking up a known client therefore costs about one cache miss (two for IPv6), and nothing is
 * allocated. The slots are twice the capacity, grouped in buckets of four (64 bytes, one cache
 * line); a client may sit in any slot of its four candidate buckets (independent hashes, {@link
 * SourceSlots}), the first one in most cases. Half the bytes of a 32-byte slot mean a table of
 * 100,000 clients takes 3.2 MB, which the cpu's last-level cache can hold (docs/performance.md).
 *
 * <p>The state word ({@link SourceState}) holds the slot's phase, the client's holds (open
 * connections: a held client is never evicted, so a count it carries is exact), a reference bit for
 * CLOCK, a version that changes whenever the slot is taken, and the key; every change is one
 * compare-and-set. A new
 * client reserves one of {@code capacity} places in a counter before it takes an empty slot, so the
 * table never holds more than its capacity. At the bound it replaces an idle client: in its own
 * candidates one equal to a new one ({@linkplain Freshness fresh}) or unused since the hand passed,
 * else the one a CLOCK hand over the whole table finds. When every candidate is held and the hand
 * finds nothing idle, there is no room ({@link #findOrAdd} returns -1).
 *
 * <p>Two loops adding the same client at once each publish their slot as tentative (lookups skip
 * it), then look at the client's candidates again and withdraw if they see another slot of the
 * client: at most one slot becomes live, so a client's holds are never split. Memory: 32 bytes per
 * place of capacity, allocated up front, and 32 more once an IPv6 client has come.
 */
public final class SourceTable implements TokenBucket.Cells {

  /** Whether an idle client's value equals a new client's (nothing lost by evicting it). */
  @FunctionalInterface
  public interface Freshness {
    boolean isFresh(long value, long nowNanos);
  }

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

  /** Tries of one add, a few microseconds at most, then no room (the other loop stalled mid-add). */
  private static final int ATTEMPTS = 32;
  private static final int NO_ROOM = -1;
  private static final int RACED = -2;
  /** Slots the CLOCK hand looks at for one new client at the bound, at most. */
  private static final int SCAN = 256;

  private final int capacity;
  private final SourceSlots slots;
  private final long[] words;
  private final Freshness freshness;
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicLong hand = new AtomicLong();
  private final WideKeys wideKeys;

  /** An empty table for {@code capacity} clients. */
  public SourceTable(int capacity, Freshness freshness) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity " + capacity);
    }
    this.capacity = capacity;
    this.slots = new SourceSlots(capacity);
    this.words = new long[slots.arrayLength()];
    this.wideKeys = new WideKeys(slots.count());
    this.freshness = freshness;
  }

  public int capacity() {
    return capacity;
  }

  /** Clients now (at most the capacity; while loops add and evict, an estimate). */
  public int size() {
    return size.get();
  }

  /** Slots in all (twice the capacity, rounded up): the range of the slot numbers it returns. */
  public int slotCount() {
    return slots.count();
  }

  private long state(int slot) {
    return (long) LONGS.getVolatile(words, SourceSlots.at(slot));
  }

  private boolean casState(int slot, long expected, long next) {
    return LONGS.compareAndSet(words, SourceSlots.at(slot), expected, next);
  }

  /**
   * Whether the slot, read in state {@code s}, held this client in that state. For IPv4 the state
   * word says it alone. For IPv6, after a fingerprint match, the whole key: a take bumps the version
   * before it writes a key (release writes, after its compare-and-set), so a key read between two
   * reads of one version is that version's key, as in a seqlock; a key read alone may be the next
   * client's, half written.
   */
  private boolean holdsKey(int slot, long s, long key, long hi, long lo) {
    return keyOf(s) == key && (!isWide(key) || wideKeys.is(slot, hi, lo) && sameTaking(s, state(slot)));
  }

  /** The client's live slot, or -1; marks it used. */
  public int find(long hi, long lo) {
    int slot = lookUp(keyBits(hi, lo), hi, lo, slots.hash(hi, lo));
    if (slot >= 0) {
      touch(slot);
    }
    return slot;
  }

  /** Its live slot: the first candidate holding the key (a client never has two live slots). */
  private int lookUp(long key, long hi, long lo, long hash) {
    for (int b = 0; b < SourceSlots.BUCKETS; b++) {
      int first = slots.bucketStart(hash, b);
      for (int slot = first; slot < first + SourceSlots.PER_BUCKET; slot++) {
        long s = state(slot);
        if (phase(s) == LIVE && holdsKey(slot, s, key, hi, lo)) {
          return slot; // live with this key an instant ago: tryHold's compare-and-set confirms it
        }
      }
    }
    return -1;
  }

  private void touch(int slot) {
    long s = state(slot);
    if ((s & REF) == 0 && phase(s) == LIVE) { // a write only when it changes: hot lines stay shared
      casState(slot, s, s | REF); // lost to a concurrent change: the bit is a hint
    }
  }

  /**
   * The client's live slot, taken for it if it has none.
   *
   * @return the slot, or -1 when there is no room (every candidate held, nothing idle found by the
   *     hand) or when another loop that was adding the same client stalled meanwhile
   */
  public int findOrAdd(long hi, long lo, long nowNanos) {
    long hash = slots.hash(hi, lo);
    long key = keyBits(hi, lo);
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int found = lookUp(key, hi, lo, hash);
      if (found >= 0) {
        touch(found);
        return found;
      }
      int slot = claim(key, hi, lo, hash, nowNanos);
      if (slot == NO_ROOM) {
        return -1;
      }
      if (slot >= 0) {
        int winner = settle(slot, key, hi, lo, hash);
        if (winner >= 0) {
          return winner;
        }
      }
      Thread.onSpinWait(); // another loop is adding this client or took the slot: it finishes in ~100 ns
    }
    return -1;
  }

  /**
   * Takes a slot among the candidates and writes the key into it (phase tentative): an empty one
   * if the bound allows, else an idle one it replaces, else (at the bound) an empty one after the
   * hand evicted a client elsewhere.
   */
  private int claim(long key, long hi, long lo, long hash, long nowNanos) {
    int empty = -1;
    int victim = -1;
    int victimRank = 0; // 3 fresh, 2 unused since the hand passed, 1 idle
    for (int c = 0; c < SourceSlots.CANDIDATES; c++) {
      int slot = slots.candidate(hash, c);
      long s = state(slot);
      int phase = phase(s);
      if (phase >= TENTATIVE && holdsKey(slot, s, key, hi, lo)) {
        return RACED; // another loop is adding (or just added) this client: look again, never replace it
      }
      if (phase == EMPTY) {
        empty = empty < 0 ? slot : empty;
      } else if (phase == LIVE && holdsOf(s) == 0) {
        int rank = freshness.isFresh(words[SourceSlots.at(slot) + SourceSlots.VALUE], nowNanos) ? 3 : (s & REF) == 0 ? 2 : 1;
        if (rank > victimRank) {
          victim = slot;
          victimRank = rank;
        }
      }
    }
    if (empty >= 0) {
      int taken = takeEmpty(empty, key, hi, lo);
      if (taken != NO_ROOM) {
        return taken;
      }
      // At the bound: a candidate unused since the hand passed goes first, else CLOCK over the table.
      if (victimRank < 2 && evictByHand(nowNanos)) {
        int taken2 = takeEmpty(empty, key, hi, lo);
        return taken2 >= 0 ? taken2 : RACED; // another loop took the place the hand freed
      }
    }
    if (victim >= 0) {
      long s = state(victim);
      return phase(s) == LIVE && holdsOf(s) == 0 && take(victim, s, key, hi, lo) ? victim : RACED;
    }
    return NO_ROOM;
  }

  /** Takes an empty slot if the bound allows: the slot, {@link #NO_ROOM} at the bound, or {@link #RACED}. */
  private int takeEmpty(int slot, long key, long hi, long lo) {
    if (!reserve()) {
      return NO_ROOM;
    }
    long s = state(slot);
    if (phase(s) == EMPTY && take(slot, s, key, hi, lo)) {
      return slot;
    }
    size.decrementAndGet(); // another loop took it meanwhile
    return RACED;
  }

  private boolean reserve() {
    for (;;) {
      int n = size.get();
      if (n >= capacity) {
        return false;
      }
      if (size.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Takes a slot in state {@code expected} (empty, or an idle live client) for the client. */
  private boolean take(int slot, long expected, long key, long hi, long lo) {
    long claimed = claimed(expected, key);
    if (!casState(slot, expected, claimed)) {
      return false;
    }
    if (isWide(key)) {
      wideKeys.write(slot, hi, lo); // after the new version: see holdsKey
    }
    int at = SourceSlots.at(slot);
    words[at + SourceSlots.VALUE] = 0; // a new client's value: a full bucket, no binding
    LONGS.setVolatile(words, at, inPhase(claimed, TENTATIVE));
    return true;
  }

  /**
   * After publishing a tentative slot: makes it live unless the client has another slot, live or
   * tentative, which means another loop is adding it too: then this one withdraws. Of two loops
   * that publish and then look, the later to publish sees the other's slot (volatile accesses are
   * sequentially consistent), so at most one makes its slot live; both may withdraw, and look again.
   *
   * @return the client's slot, or -1 to look again
   */
  private int settle(int mine, long key, long hi, long lo, long hash) {
    int at = SourceSlots.at(mine);
    long tentative = (long) LONGS.getVolatile(words, at);
    int live = -1;
    boolean other = false;
    for (int c = 0; c < SourceSlots.CANDIDATES; c++) {
      int slot = slots.candidate(hash, c);
      if (slot == mine) {
        continue;
      }
      long s = state(slot);
      if (phase(s) >= TENTATIVE && holdsKey(slot, s, key, hi, lo)) {
        other = true;
        live = phase(s) == LIVE ? slot : live;
      }
    }
    if (other) {
      LONGS.setVolatile(words, at, inPhase(tentative, EMPTY));
      size.decrementAndGet();
      return live;
    }
    LONGS.setVolatile(words, at, inPhase(tentative, LIVE));
    return mine;
  }

  /**
   * CLOCK over the whole table for a new client at the bound: the first idle client that is fresh
   * or unused since the hand last passed is evicted (the others lose their reference bit), else the
   * first idle one seen. Frees its place in the bound.
   */
  private boolean evictByHand(long nowNanos) {
    int n = slots.count();
    long start = hand.get();
    int fallback = -1;
    for (int i = 0; i < Math.min(SCAN, n); i++) {
      int slot = (int) Math.floorMod(start + i, (long) n);
      long s = state(slot);
      if (phase(s) != LIVE || holdsOf(s) != 0) {
        continue;
      }
      if ((s & REF) == 0 || freshness.isFresh(words[SourceSlots.at(slot) + SourceSlots.VALUE], nowNanos)) {
        if (evict(slot, s)) {
          hand.set(start + i + 1); // a hint: two loops moving it at once only look at some slots twice
          return true;
        }
        continue;
      }
      casState(slot, s, s & ~REF); // a second chance: taken next time unless used meanwhile
      fallback = fallback < 0 ? slot : fallback;
    }
    hand.set(start + Math.min(SCAN, n));
    return fallback >= 0 && evict(fallback, state(fallback));
  }

  private boolean evict(int slot, long s) {
    if (phase(s) != LIVE || holdsOf(s) != 0 || !casState(slot, s, evicted(s))) {
      return false; // it took a hold or changed meanwhile
    }
    size.decrementAndGet();
    return true;
  }

  /**
   * Takes one hold of the client in {@code slot} unless it has {@code max} (0, or more than the
   * field holds: {@link #MAX_HOLDS}); marks it used.
   *
   * @return 1 when taken, 0 at the maximum, -1 when the slot no longer holds the client (look again)
   */
  public int tryHold(int slot, long hi, long lo, int max) {
    int limit = max > 0 && max < MAX_HOLDS ? max : MAX_HOLDS;
    long key = keyBits(hi, lo);
    for (;;) {
      long s = state(slot);
      if (phase(s) != LIVE || !holdsKey(slot, s, key, hi, lo)) {
        return -1;
      }
      if (holdsOf(s) >= limit) {
        return 0;
      }
      // The key is in (or was read after) this state: if the slot changed hands since, the state differs.
      if (casState(slot, s, s + HOLD | REF)) {
        return 1;
      }
    }
  }

  /** Gives back a hold taken by {@link #tryHold}: the slot is still the client's (held slots stay). */
  public void release(int slot) {
    LONGS.getAndAdd(words, SourceSlots.at(slot), -HOLD);
  }

  /** The client's holds (0 for a slot that is not live). */
  public int holds(int slot) {
    long s = state(slot);
    return phase(s) == LIVE ? holdsOf(s) : 0;
  }

  /** The slot's value word (meaningful while the caller holds the slot or validates its key). */
  @Override
  public long value(int slot) {
    return (long) LONGS.getVolatile(words, SourceSlots.at(slot) + SourceSlots.VALUE);
  }

  @Override
  public boolean compareAndSetValue(int slot, long expected, long next) {
    return LONGS.compareAndSet(words, SourceSlots.at(slot) + SourceSlots.VALUE, expected, next);
  }

  public void setValue(int slot, long value) {
    LONGS.setVolatile(words, SourceSlots.at(slot) + SourceSlots.VALUE, value);
  }

  /**
   * At rest (no loop adding or evicting): every slot is empty or live, the live ones number {@link
   * #size}, and no client has two (for tests).
   */
  boolean consistentAtRest() {
    java.util.Set<String> keys = new java.util.HashSet<>();
    int live = 0;
    for (int slot = 0; slot < slots.count(); slot++) {
      int phase = phase(state(slot));
      if (phase == CLAIMED || phase == TENTATIVE) {
        return false;
      }
      if (phase == LIVE) {
        live++;
        long s = state(slot);
        String key = !isWide(s) ? Long.toString(s >>> 32) : wideKeys.describe(slot);
        if (!keys.add(key)) {
          return false;
        }
      }
    }
    return live == size.get();
  }
}
