package dev.l4mux.it;

import dev.l4mux.bus.Addresses;
import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.observe.ConnectionsClosed;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Collects the node's {@code l4mux.connection.events}, as the access log sees them. */
final class ClosedConnections implements AutoCloseable {

  private final List<ConnectionClosed> seen = new CopyOnWriteArrayList<>();
  private final MessageConsumer<ConnectionsClosed> consumer;

  ClosedConnections(Vertx vertx) throws Exception {
    consumer = vertx.eventBus().<ConnectionsClosed>localConsumer(Addresses.CONNECTION_EVENTS).handler(m -> seen.addAll(m.body().connections()));
    consumer.completion().await(5, TimeUnit.SECONDS);
  }

  /** Waits for a closed connection matching {@code condition}. */
  ConnectionClosed await(Predicate<ConnectionClosed> condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConnectionClosed c : seen) {
        if (condition.test(c)) {
          return c;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no closed connection matched within " + timeout + "; seen: " + seen);
  }

  @Override
  public void close() {
    try {
      consumer.unregister().await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not unregister", e);
    }
  }
}
