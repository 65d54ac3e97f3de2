package dev.l4mux.relay;

import dev.l4mux.config.ListenerConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connections that a listener's (or the node's) limits refused at accept and that wait for their
 * first bytes, to be answered in their own protocol like any refusal (CONTRACT section 3: HTTP 503,
 * a TLS alert) instead of a bare close. The wait is short ({@link #MAX_ANSWER_WAIT}, at most the
 * listener's sniff timeout) and at most {@link #MAX_AWAITING} wait at once per listener: under a
 * flood the limits exist for, a refused connection holds a socket for no longer than that, and the
 * rest are closed at once.
 */
final class ListenerRefusals {

  static final int MAX_AWAITING = 256;
  static final Duration MAX_ANSWER_WAIT = Duration.ofSeconds(1);

  private final AtomicInteger awaiting = new AtomicInteger();

  /** Counts one more refused connection awaiting its answer, unless {@link #MAX_AWAITING} already do. */
  boolean tryAwaitAnswer() {
    for (;;) {
      int n = awaiting.get();
      if (n >= MAX_AWAITING) {
        return false;
      }
      if (awaiting.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** One awaiting connection was answered or went away. */
  void answered() {
    awaiting.decrementAndGet();
  }

  int awaiting() {
    return awaiting.get();
  }

  /** How long a refused connection may take to send its first bytes. */
  Duration answerWait(ListenerConfig listener) {
    Duration sniff = listener.timeouts().sniff();
    return sniff.compareTo(MAX_ANSWER_WAIT) < 0 ? sniff : MAX_ANSWER_WAIT;
  }
}
