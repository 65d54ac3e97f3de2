package dev.l4mux.route;

import dev.l4mux.bus.Addresses;
import dev.l4mux.NodeState;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * Answers {@link Addresses#ROUTE} requests from the current immutable route table. Several
 * instances run (one per event loop); the event bus spreads requests among them.
 */
public final class RouterVerticle extends VerticleBase {

  private final NodeState state;
  private MessageConsumer<RouteRequest> consumer;

  public RouterVerticle(NodeState state) {
    this.state = state;
  }

  @Override
  public Future<?> start() {
    consumer =
        vertx.eventBus()
            .<RouteRequest>localConsumer(Addresses.ROUTE)
            .handler(message -> message.reply(state.routeTable().decide(message.body())));
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }
}
