package dev.l4mux.relay;

import dev.l4mux.config.Timeouts;
import io.netty.channel.EventLoop;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The two limits on a relayed connection's life (CONTRACT section 3, {@code timeouts}):
 * {@code maxLifetime} closes it that long after it was accepted ({@code max_lifetime});
 * {@code firstResponse} closes it when the client has sent bytes and the backend has answered
 * nothing for that long ({@code no_response}: a stuck backend). Runs on the connection's event
 * loop; {@link #cancel} when the connection ends.
 */
final class LifetimeTimers {

  static final String MAX_LIFETIME = "max_lifetime";
  static final String NO_RESPONSE = "no_response";

  private final EventLoop loop;
  private final LongSupplier bytesUp;
  private final LongSupplier bytesDown;
  private final Consumer<String> close;
  private ScheduledFuture<?> lifetime;
  private ScheduledFuture<?> response;

  private LifetimeTimers(EventLoop loop, LongSupplier bytesUp, LongSupplier bytesDown, Consumer<String> close) {
    this.loop = loop;
    this.bytesUp = bytesUp;
    this.bytesDown = bytesDown;
    this.close = close;
  }

  /**
   * Arms the timers of {@code timeouts} for a connection that starts relaying now, or returns null
   * when neither applies.
   *
   * @param ageNanos how long ago the connection was accepted
   * @param clientSent true when the client's bytes (the replayed prefix) are already on their way
   */
  static LifetimeTimers arm(EventLoop loop, Timeouts timeouts, long ageNanos, boolean clientSent,
      LongSupplier bytesUp, LongSupplier bytesDown, Consumer<String> close) {
    boolean lifetime = !timeouts.maxLifetime().isZero();
    boolean response = !timeouts.firstResponse().isZero();
    if (!lifetime && !response) {
      return null;
    }
    LifetimeTimers t = new LifetimeTimers(loop, bytesUp, bytesDown, close);
    if (lifetime) {
      long left = Math.max(0, timeouts.maxLifetime().toNanos() - ageNanos);
      t.lifetime = loop.schedule(() -> close.accept(MAX_LIFETIME), left, TimeUnit.NANOSECONDS);
    }
    if (response) {
      t.awaitResponse(timeouts.firstResponse().toNanos(), clientSent);
    }
    return t;
  }

  /**
   * Checks after {@code nanos}; while the client has sent nothing the wait starts again, so a client
   * that speaks late is cut between one and two periods after its first bytes.
   */
  private void awaitResponse(long nanos, boolean clientSent) {
    response = loop.schedule(() -> {
      if (bytesDown.getAsLong() > 0) {
        return; // the backend answered: the limit is over
      }
      if (clientSent || bytesUp.getAsLong() > 0) {
        close.accept(NO_RESPONSE);
      } else {
        awaitResponse(nanos, false);
      }
    }, nanos, TimeUnit.NANOSECONDS);
  }

  void cancel() {
    if (lifetime != null) {
      lifetime.cancel(false);
    }
    if (response != null) {
      response.cancel(false);
    }
  }
}
