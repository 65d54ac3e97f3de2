package dev.l4mux.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The bound is exact, held clients stay, eviction is CLOCK (fresh, then unused first), keys are
 * all 128 bits, and loops racing on one client share one slot.
 */
class SourceTableTest {

  /** A client's value is fresh (evicting it loses nothing) while it is 0, as a new client's is. */
  private static SourceTable table(int capacity) {
    return new SourceTable(capacity, (value, now) -> value == 0);
  }

  /** An IPv4-like key, as {@link SourceKeys} makes it. */
  private static long lo(int key) {
    return 0xFFFFL << 32 | key & 0xFFFF_FFFFL;
  }

  private static int add(SourceTable t, int key) {
    return t.findOrAdd(0, lo(key), 0);
  }

  /** Adds a client and marks its value used, so only CLOCK's reference bit can spare it. */
  private static int addUsed(SourceTable t, int key) {
    int slot = add(t, key);
    if (slot >= 0) {
      t.setValue(slot, 1);
    }
    return slot;
  }

  private static boolean has(SourceTable t, int key) {
    return t.find(0, lo(key)) >= 0;
  }

  @Test
  void findsWhatWasAddedAndAddsEachKeyOnce() {
    SourceTable t = table(10);
    assertEquals(-1, t.find(0, lo(1)));
    int one = add(t, 1);
    assertTrue(one >= 0);
    assertEquals(one, t.find(0, lo(1)));
    assertEquals(one, add(t, 1));
    assertEquals(1, t.size());
    assertTrue(t.consistentAtRest());
  }

  @Test
  void neverHoldsMoreThanItsCapacityAndKeepsTheRecent() {
    SourceTable t = table(1000);
    for (int i = 0; i < 100_000; i++) {
      assertTrue(addUsed(t, i) >= 0);
      assertTrue(t.size() <= 1000);
      assertTrue(i % 10_000 != 0 || t.consistentAtRest());
    }
    assertEquals(1000, t.size());
    assertTrue(has(t, 99_999));
    assertTrue(!has(t, 0));
    assertTrue(t.consistentAtRest());
  }

  @Test
  void aHeldClientIsNeverEvictedAndAFullTableHasNoRoom() {
    SourceTable t = table(4);
    int[] held = new int[4];
    for (int i = 0; i < 4; i++) {
      held[i] = add(t, i);
      assertEquals(1, t.tryHold(held[i], 0, lo(i), 0));
    }
    assertEquals(-1, add(t, 99), "every client holds open connections");
    for (int i = 0; i < 4; i++) {
      assertEquals(held[i], t.find(0, lo(i)));
    }
    t.release(held[2]);
    assertTrue(add(t, 99) >= 0, "the released one made room");
    assertTrue(!has(t, 2));
    assertEquals(-1, t.tryHold(held[2], 0, lo(2), 0), "an evicted client takes no more holds in its old slot");
    assertEquals(4, t.size());
  }

  @Test
  void heldClientsSurviveAFloodOfAHundredThousandOthersWithTheirCounts() {
    SourceTable t = table(100);
    int[] held = new int[50];
    for (int i = 0; i < 50; i++) {
      held[i] = add(t, i);
      for (int h = 0; h <= i % 3; h++) {
        assertEquals(1, t.tryHold(held[i], 0, lo(i), 0));
      }
    }
    int refused = 0;
    for (int i = 1000; i < 101_000; i++) {
      refused += addUsed(t, i) < 0 ? 1 : 0;
      assertTrue(t.size() <= 100);
    }
    assertEquals(0, refused, "half the bound held leaves room for every newcomer");
    for (int i = 0; i < 50; i++) {
      assertEquals(held[i], t.find(0, lo(i)), "client " + i + " kept its slot");
      assertEquals(1 + i % 3, t.holds(held[i]), "and its count");
    }
    assertEquals(100, t.size());
    assertTrue(t.consistentAtRest());
  }

  @Test
  void tryHoldStopsAtItsMaximum() {
    SourceTable t = table(2);
    int slot = add(t, 1);
    assertEquals(1, t.tryHold(slot, 0, lo(1), 2));
    assertEquals(1, t.tryHold(slot, 0, lo(1), 2));
    assertEquals(0, t.tryHold(slot, 0, lo(1), 2));
    t.release(slot);
    assertEquals(1, t.tryHold(slot, 0, lo(1), 2));
    assertEquals(-1, t.tryHold(slot, 0, lo(2), 2), "another client's key does not match the slot");
  }

  @Test
  void ipv6KeysAreAllTheirBits() {
    SourceTable t = table(1000);
    long prefix = ULA;
    List<Integer> slots = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      slots.add(t.findOrAdd(prefix | i, 1, 0)); // differ in the high 64 bits only
      slots.add(t.findOrAdd(prefix, i + 2L, 0)); // differ in the low 64 bits only
    }
    assertEquals(400, slots.stream().distinct().count(), "400 keys, 400 slots");
    assertEquals(400, t.size());
    for (int i = 0; i < 200; i++) {
      assertEquals(slots.get(2 * i), t.find(prefix | i, 1));
      assertEquals(slots.get(2 * i + 1), t.find(prefix, i + 2L));
    }
    assertEquals(-1, t.find(prefix | 1, 3), "the high bits of one key and the low bits of another");
    assertNotEquals(t.find(0, lo(1)), t.find(prefix, 1), "IPv4 and IPv6 never share a key");
    assertTrue(t.consistentAtRest());
  }

  /**
   * Two IPv6 clients with one fingerprint (the 32 bits a state word keeps) are told apart by their
   * whole keys: in a table this small every slot is a candidate of both.
   */
  @Test
  void ipv6ClientsSharingAFingerprintKeepTheirOwnSlots() {
    java.util.Map<Integer, Long> seen = new java.util.HashMap<>();
    long a = -1;
    long b = -1;
    for (long lo = 0; a < 0; lo++) { // a birthday search: about 77,000 keys for 32 bits
      Long before = seen.put(SourceSlots.fingerprint(ULA, lo), lo);
      if (before != null) {
        a = before;
        b = lo;
      }
    }
    SourceTable t = table(4);
    int slotA = t.findOrAdd(ULA, a, 0);
    assertEquals(-1, t.find(ULA, b), "the other client is not found by its fingerprint alone");
    int slotB = t.findOrAdd(ULA, b, 0);
    assertTrue(slotA >= 0 && slotB >= 0);
    assertNotEquals(slotA, slotB);
    assertEquals(slotA, t.find(ULA, a));
    assertEquals(slotB, t.find(ULA, b));
    assertEquals(-1, t.tryHold(slotA, ULA, b, 0), "a hold names the slot's own client");
    assertEquals(1, t.tryHold(slotA, ULA, a, 0));
    assertTrue(t.consistentAtRest());
  }

  /**
   * A client's holds stop at the field's maximum, with or without a larger maximum asked for, and
   * never spill into the version or the key: the slot is still the client's.
   */
  @Test
  void holdsStopAtTheFieldsMaximumAndLeaveTheKeyIntact() {
    SourceTable t = table(10);
    int slot = add(t, 7);
    int taken = 0;
    while (t.tryHold(slot, 0, lo(7), Integer.MAX_VALUE) == 1) {
      taken++;
    }
    assertEquals(SourceState.MAX_HOLDS, taken);
    assertEquals(SourceState.MAX_HOLDS, t.holds(slot));
    assertEquals(0, t.tryHold(slot, 0, lo(7), 0), "0 asks for no maximum but the field's");
    assertEquals(slot, t.find(0, lo(7)));
    assertEquals(-1, t.find(0, lo(8)));
    t.release(slot);
    assertEquals(1, t.tryHold(slot, 0, lo(7), 0));
    assertTrue(t.consistentAtRest());
  }

  /**
   * CLOCK: with the table full, newcomers take the place of clients unused since they were added
   * (or the hand last passed) before clients looked up since, and fresh clients (nothing lost by
   * evicting them) go first. Approximately: a newcomer looks at its own 16 candidates first, and
   * the hand clears a used client's bit as it passes, so a few used clients go too (the bounds
   * below leave room for that, and the table is deterministic: same keys, same result).
   */
  @Test
  void evictionTakesFreshThenUnusedClientsFirst() {
    SourceTable t = table(1000);
    for (int i = 0; i < 1000; i++) {
      addUsed(t, i);
    }
    for (int i = 0; i < 1000; i += 2) {
      has(t, i); // used since: its reference bit is set
    }
    for (int i = 1000; i < 1500; i++) {
      assertTrue(addUsed(t, i) >= 0);
      has(t, i); // and used again
    }
    int usedKept = 0;
    int unusedKept = 0;
    for (int i = 0; i < 1000; i++) {
      if (has(t, i)) {
        usedKept += i % 2 == 0 ? 1 : 0;
        unusedKept += i % 2 == 1 ? 1 : 0;
      }
    }
    String kept = "kept: used " + usedKept + " of 500, unused " + unusedKept + " of 500";
    assertTrue(usedKept >= 425, kept); // CLOCK is approximate: the hand clears a used bit as it passes
    assertTrue(unusedKept <= 100, kept);

    SourceTable fresh = table(100);
    for (int i = 0; i < 100; i++) {
      if (i % 10 == 0) {
        add(fresh, i); // value 0: fresh
      } else {
        addUsed(fresh, i);
        has(fresh, i);
      }
    }
    for (int i = 100; i < 110; i++) {
      assertTrue(addUsed(fresh, i) >= 0);
      has(fresh, i);
    }
    int freshKept = 0;
    int othersKept = 0;
    for (int i = 0; i < 100; i++) {
      freshKept += i % 10 == 0 && has(fresh, i) ? 1 : 0;
      othersKept += i % 10 != 0 && has(fresh, i) ? 1 : 0;
    }
    String freshFirst = "kept: fresh " + freshKept + " of 10, used " + othersKept + " of 90";
    assertTrue(freshKept <= 5 && othersKept >= 85, freshFirst);
  }

  /**
   * Two threads (the two event loops) add, hold and release clients through a table far smaller
   * than the clients: the table never exceeds its bound, a held client's slot stays its one slot,
   * and with a maximum of one hold per client the two never hold the same client at once (a
   * count split over two slots would let both).
   */
  @Test
  void twoThreadsKeepTheBoundAndOneSlotPerClient() throws Exception {
    racing(2, 64, 200, 300_000, false);
  }

  @Test
  void fourThreadsKeepTheBoundAndOneSlotPerClient() throws Exception {
    racing(4, 64, 500, 100_000, false);
  }

  /** The same with IPv6 clients, whose whole keys sit beside the state words (read as in a seqlock). */
  @Test
  void threadsRacingOnIpv6ClientsKeepTheBoundAndOneSlotPerClient() throws Exception {
    racing(2, 64, 200, 300_000, true);
    racing(4, 64, 500, 100_000, true);
  }

  private static final long ULA = 0xFD00_0000_0000_0000L; // a unique local prefix (RFC 4193)

  private static void racing(int threads, int capacity, int clients, int rounds, boolean ipv6) throws Exception {
    long hi = ipv6 ? ULA : 0;
    SourceTable t = table(capacity);
    AtomicInteger split = new AtomicInteger();
    AtomicInteger overBound = new AtomicInteger();
    AtomicInteger holdsTaken = new AtomicInteger();
    AtomicIntegerArray holders = new AtomicIntegerArray(clients);
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int w = 0; w < threads; w++) {
      int worker = w;
      Thread thread = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < rounds; i++) {
            int key = (i * 31 + worker * 7) % clients; // shared keys: the threads add the same clients
            long lo = ipv6 ? key : lo(key);
            int slot = t.findOrAdd(hi, lo, 0);
            if (t.size() > capacity) {
              overBound.incrementAndGet();
            }
            if (slot < 0 || t.tryHold(slot, hi, lo, 1) != 1) {
              continue; // no room, evicted meanwhile, or the other thread holds it
            }
            holdsTaken.incrementAndGet();
            if (holders.incrementAndGet(key) != 1 || t.find(hi, lo) != slot) {
              split.incrementAndGet();
            }
            holders.decrementAndGet(key);
            t.release(slot);
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      thread.start();
      workers.add(thread);
    }
    for (Thread thread : workers) {
      thread.join();
    }
    assertEquals(List.of(), failures);
    assertEquals(0, split.get(), "times a held client was held twice or had another slot");
    assertEquals(0, overBound.get(), "times the table was seen past its bound");
    assertTrue(holdsTaken.get() > rounds / 2, "holds taken: " + holdsTaken.get());
    assertTrue(t.size() <= capacity);
    assertTrue(t.consistentAtRest(), "every slot empty or live, as many live as the size, no client twice");
    for (int key = 0; key < clients; key++) {
      int slot = t.find(hi, ipv6 ? key : lo(key));
      assertTrue(slot < 0 || t.holds(slot) == 0, "every hold given back");
    }
  }
}
