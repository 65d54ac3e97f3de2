package dev.l4mux.relay;

import dev.l4mux.bus.Addresses;
import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.observe.ConnectionsClosed;
import io.netty.channel.EventLoop;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Collects the facts of connections closed on one event loop and publishes them as one
 * {@link ConnectionsClosed} on {@link Addresses#CONNECTION_EVENTS} per batch: at most
 * {@link #DELAY_MS} after the first close of the batch, sooner once {@link #MAX_BATCH} are waiting.
 * Used only on its event loop.
 */
final class ClosedBatch {

  static final long DELAY_MS = 20;
  static final int MAX_BATCH = 512;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final EventLoop loop;
  private final ContextInternal context;
  private List<ConnectionClosed> pending = new ArrayList<>();

  /** @param context a Vert.x context on {@code loop}, to publish from */
  ClosedBatch(EventLoop loop, ContextInternal context) {
    this.loop = loop;
    this.context = context;
  }

  void add(ConnectionClosed closed) {
    pending.add(closed);
    if (pending.size() == 1) {
      loop.schedule(this::publish, DELAY_MS, TimeUnit.MILLISECONDS);
    } else if (pending.size() >= MAX_BATCH) {
      publish();
    }
  }

  /** Publishes what is waiting now (also called when the listener stops). */
  void publish() {
    if (pending.isEmpty()) {
      return;
    }
    ConnectionsClosed batch = new ConnectionsClosed(pending);
    pending = new ArrayList<>();
    context.emit(batch, b -> context.owner().eventBus().publish(Addresses.CONNECTION_EVENTS, b, LOCAL));
  }
}
