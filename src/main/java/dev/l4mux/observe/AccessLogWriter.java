package dev.l4mux.observe;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Formats and writes the access log on a thread of its own, fed through a lock-free queue that it
 * polls: handing a batch over costs an event loop one queue offer, never a lock it shares with a
 * writer and never a wakeup of another thread.
 *
 * <p>Why not a Vert.x worker verticle, as before: every delivery to a worker context goes through
 * its task queue, a {@code synchronized} list that the worker pool's threads also take. On a busy
 * machine a worker thread that holds it is preempted, and the event loop that publishes the next
 * batch blocks behind it for a scheduler slice (JFR: 6-16 ms per stall under TLS churn on two
 * cores) while its connections wait (docs/performance.md, "the loop waited on a lock").
 */
final class AccessLogWriter {

  /** How often the queue is polled: a line waits at most this (plus the 20 ms close batch). */
  static final long POLL_MS = 20;

  private final ConcurrentLinkedQueue<Runnable> pending = new ConcurrentLinkedQueue<>();
  private final Runnable flush;
  private final Thread thread;
  private volatile boolean stopping;

  /** @param flush flushes what was written, once per poll that wrote something */
  AccessLogWriter(String name, Runnable flush) {
    this.flush = flush;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Hands over the writing of a batch (formatting included), to run on the writer's thread; lock-free. */
  void offer(Runnable writeBatch) {
    pending.offer(writeBatch);
  }

  /** Writes what is queued, flushes, and ends the thread (waiting at most {@code timeoutMillis}). */
  void close(long timeoutMillis) {
    stopping = true;
    LockSupport.unpark(thread);
    try {
      thread.join(timeoutMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    while (true) {
      boolean last = stopping; // read before draining: a batch offered before close() is written
      boolean wrote = false;
      for (Runnable writeBatch; (writeBatch = pending.poll()) != null; ) {
        writeBatch.run();
        wrote = true;
      }
      if (wrote) {
        flush.run();
      }
      if (last) {
        return;
      }
      LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(POLL_MS));
    }
  }
}
