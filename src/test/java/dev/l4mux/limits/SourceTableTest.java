package dev.l4mux.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The bound is exact, held entries stay, and loops racing on one client share one entry. */
class SourceTableTest {

  /** An entry that is fresh when nothing holds it and it was never marked used. */
  private static final class Counter extends SourceTable.Entry<Integer> {
    volatile boolean used;

    Counter(Integer key) {
      super(key);
    }

    @Override
    protected boolean isFresh(long nowNanos) {
      return holds() == 0 && !used;
    }
  }

  private static Counter add(SourceTable<Integer, Counter> t, int key) {
    return t.findOrAdd(key, 0, (k, now) -> new Counter(k));
  }

  @Test
  void findsWhatWasAddedAndAddsEachKeyOnce() {
    SourceTable<Integer, Counter> t = new SourceTable<>(10);
    assertNull(t.find(1));
    Counter one = add(t, 1);
    assertSame(one, t.find(1));
    assertSame(one, add(t, 1));
    assertEquals(1, t.size());
  }

  @Test
  void neverHoldsMoreThanItsCapacityAndKeepsTheRecent() {
    SourceTable<Integer, Counter> t = new SourceTable<>(1000);
    for (int i = 0; i < 100_000; i++) {
      add(t, i).used = true;
      assertTrue(t.size() <= 1000);
      assertTrue(i % 10_000 != 0 || t.indexMatchesSlots());
    }
    assertEquals(1000, t.size());
    assertNotNull(t.find(99_999));
    assertNull(t.find(0));
  }

  @Test
  void aHeldEntryIsNeverEvictedAndAFullTableHasNoRoom() {
    SourceTable<Integer, Counter> t = new SourceTable<>(4);
    List<Counter> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Counter c = add(t, i);
      assertEquals(1, c.tryHold(0));
      held.add(c);
    }
    assertNull(add(t, 99), "every slot holds open connections");
    for (int i = 0; i < 4; i++) {
      assertSame(held.get(i), t.find(i));
    }
    held.get(2).release();
    Counter newcomer = add(t, 99);
    assertNotNull(newcomer, "the released one made room");
    assertNull(t.find(2));
    assertEquals(-1, held.get(2).tryHold(0), "an evicted entry takes no more holds");
  }

  @Test
  void tryHoldStopsAtItsMaximum() {
    Counter c = add(new SourceTable<>(2), 1);
    assertEquals(1, c.tryHold(2));
    assertEquals(1, c.tryHold(2));
    assertEquals(0, c.tryHold(2));
    c.release();
    assertEquals(1, c.tryHold(2));
  }

  /**
   * Threads add and hold many clients at once, through a table far smaller than the clients: a
   * client's holds are never split over two entries (its count would be lost), and at rest every
   * indexed entry has a slot of its own, so the table holds at most its capacity.
   */
  @Test
  void racingThreadsKeepTheBoundAndOneEntryPerClient() throws Exception {
    int threads = 4;
    int capacity = 64;
    SourceTable<Integer, Counter> t = new SourceTable<>(capacity);
    AtomicInteger split = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      int worker = w;
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
        for (int i = 0; i < 200_000; i++) {
          int key = (i * 31 + worker) % 500; // shared keys: several threads add the same client
          Counter c = add(t, key);
          if (c == null || c.tryHold(0) < 0) {
            continue; // no room, or evicted between the lookup and the hold
          }
          if (t.find(key) != c) {
            split.incrementAndGet(); // a held entry must stay the client's one entry
          }
          c.release();
        }
      });
      thread.start();
      workers.add(thread);
    }
    for (Thread thread : workers) {
      thread.join();
    }
    assertEquals(0, split.get(), "times a held client's entry was not the one in the table");
    assertTrue(t.size() <= capacity);
    assertTrue(t.indexMatchesSlots(), "every indexed entry is live and in a slot of its own");
  }
}
