package dev.l4mux.limits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Per-client state (limits, sticky_source bindings) bounded to exactly {@code capacity} entries
 * ({@code defaults.limits.perIpTableSize}), shared by every event loop without a lock: an event loop
 * that waits on a lock stops every connection it carries (docs/performance.md).
 *
 * <p>Entries live in a ring of {@code capacity} slots; a hash index finds them. A new entry takes a
 * slot first and enters the index after, and an evicted one leaves the index before its slot is
 * reused, so the index never holds more entries than there are slots. Eviction is CLOCK (an
 * approximate least-recently-used): the hand looks at a few slots and takes the first that is empty,
 * or holds an entry that equals a new one ({@linkplain Entry#isFresh fresh}: dropping it loses
 * nothing), or one not used since the hand last passed; else the first idle one it saw. An entry
 * with holds (a source's open connections) is never evicted, so a count it carries is exact; when
 * every slot looked at is held, there is no room ({@link #findOrAdd} returns null).
 *
 * <p>Lookups of existing entries are lock-free reads of a {@link ConcurrentHashMap} (its {@code
 * get}); only adding and evicting write to it, once per new client.
 */
public final class SourceTable<K, E extends SourceTable.Entry<K>> {

  /** Slots the hand looks at for one new entry, at most. */
  private static final int SCAN = 32;
  private static final int ATTEMPTS = 4;

  /** One client's state: its key, its holds (an evicted entry is dead) and its use since the hand passed. */
  public abstract static class Entry<K> {

    private static final int DEAD = -1;
    private static final VarHandle HOLDS;

    static {
      try {
        HOLDS = MethodHandles.lookup().findVarHandle(Entry.class, "holds", int.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final K key;
    volatile int holds; // package-private: reached through the type variable E
    volatile boolean adding = true; // in a slot, not yet in the index: not to be evicted
    volatile boolean referenced;

    protected Entry(K key) {
      this.key = key;
    }

    public final K key() {
      return key;
    }

    /** True when it equals a new entry (nothing held, state as when made): evicting it loses nothing. */
    protected abstract boolean isFresh(long nowNanos);

    /**
     * Takes one hold unless it already has {@code max} (0: no maximum) or was evicted.
     *
     * @return 1 when taken, 0 at the maximum, -1 when evicted (look it up again)
     */
    public final int tryHold(int max) {
      for (;;) {
        int n = holds;
        if (n < 0) {
          return -1;
        }
        if (max > 0 && n >= max) {
          return 0;
        }
        if (HOLDS.compareAndSet(this, n, n + 1)) {
          return 1;
        }
      }
    }

    /** Gives back a hold taken by {@link #tryHold}. */
    public final void release() {
      HOLDS.getAndAdd(this, -1);
    }

    public final int holds() {
      return Math.max(holds, 0);
    }

    final boolean isDead() {
      return holds < 0;
    }

    /** Marks it evicted, if nothing holds it. */
    final boolean kill() {
      return HOLDS.compareAndSet(this, 0, DEAD);
    }

    final void touch() {
      if (!referenced) { // a write only when it changes: hot entries stay in every loop's cache
        referenced = true;
      }
    }
  }

  /** Makes the entry of a client first seen at {@code nowNanos}. */
  @FunctionalInterface
  public interface Maker<K, E> {
    E make(K key, long nowNanos);
  }

  private final int capacity;
  private final AtomicReferenceArray<E> slots;
  private final ConcurrentHashMap<K, E> index;
  private final AtomicLong hand = new AtomicLong();

  /** An empty table of {@code capacity} slots; its index is sized up front, so it never resizes under the loops. */
  public SourceTable(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity " + capacity);
    }
    this.capacity = capacity;
    this.slots = new AtomicReferenceArray<>(capacity);
    this.index = new ConcurrentHashMap<>(capacity);
  }

  public int capacity() {
    return capacity;
  }

  /** Entries now (at most the capacity; while loops add and evict, an estimate). */
  public int size() {
    return index.size();
  }

  /** At rest: every indexed entry is live and in a slot of its own (for tests). */
  boolean indexMatchesSlots() {
    java.util.Set<E> inSlots = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (int i = 0; i < capacity; i++) {
      E e = slots.get(i);
      if (e != null && !e.isDead() && !inSlots.add(e)) {
        return false;
      }
    }
    return index.values().stream().allMatch(e -> !e.isDead() && inSlots.contains(e));
  }

  /** The live entry for {@code key}, or null. */
  public E find(K key) {
    E e = index.get(key);
    if (e == null || e.isDead()) {
      return null;
    }
    e.touch();
    return e;
  }

  /**
   * The live entry for {@code key}, made by {@code make} if it has none.
   *
   * @return null when there is no room: every slot the hand looked at is held
   */
  public E findOrAdd(K key, long nowNanos, Maker<K, E> make) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      E found = index.get(key);
      if (found != null && !found.isDead()) {
        found.touch();
        return found;
      }
      if (found != null) {
        index.remove(key, found); // being evicted; its evictor's own remove then does nothing
      }
      E made = make.make(key, nowNanos);
      int slot = place(made, nowNanos);
      if (slot < 0) {
        return null;
      }
      E raced = index.putIfAbsent(key, made);
      if (raced == null) {
        made.adding = false; // from now on it can be evicted like any other
        return made;
      }
      // Another loop added the same client a moment ago: withdraw ours (no one else has seen it).
      made.holds = Entry.DEAD;
      slots.compareAndSet(slot, made, null);
      if (!raced.isDead()) {
        raced.touch();
        return raced;
      }
    }
    return null;
  }

  /** Puts {@code made} into a slot, evicting its entry if need be; returns the slot or -1. */
  private int place(E made, long nowNanos) {
    int fallback = -1;
    E fallbackEntry = null;
    for (int looked = 0; looked < Math.min(SCAN, capacity); looked++) {
      int slot = (int) Math.floorMod(hand.getAndIncrement(), (long) capacity);
      E occupant = slots.get(slot);
      if (occupant == null) {
        if (slots.compareAndSet(slot, null, made)) {
          return slot;
        }
        continue;
      }
      if (occupant.adding || occupant.holds != 0) {
        continue; // being added, held (open connections), or being evicted by another loop
      }
      if (occupant.isFresh(nowNanos) || !occupant.referenced) {
        if (evict(slot, occupant, made)) {
          return slot;
        }
        continue;
      }
      occupant.referenced = false; // a second chance: taken next time unless used meanwhile
      if (fallback < 0) {
        fallback = slot;
        fallbackEntry = occupant;
      }
    }
    return fallback >= 0 && evict(fallback, fallbackEntry, made) ? fallback : -1;
  }

  private boolean evict(int slot, E occupant, E made) {
    if (!occupant.kill()) {
      return false; // it took a hold meanwhile
    }
    index.remove(occupant.key(), occupant);
    slots.set(slot, made); // only the thread that killed an occupant replaces it
    return true;
  }
}
