package dev.l4mux;

import dev.l4mux.config.L4muxConfig;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.relay.ListenerVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * Keeps the deployed listener verticles in line with the configuration. A listener whose bind
 * addresses and transport did not change is left alone (it reads its other settings from the
 * current route table per connection); a new or changed one is deployed before the old one is
 * undeployed (drained), so a port kept across the change never stops accepting.
 */
final class Listeners {

  private static final Logger LOG = Logger.getLogger("l4mux");

  private final Vertx vertx;
  private final NodeState state;
  private final Map<String, Deployed> deployed = new HashMap<>();
  private Future<Void> pending = Future.succeededFuture();

  Listeners(Vertx vertx, NodeState state) {
    this.vertx = vertx;
    this.state = state;
  }

  /** Serialised: a reconcile starts only when the previous one finished. */
  Future<Void> reconcile(L4muxConfig config) {
    pending = pending.transform(ignored -> doReconcile(config));
    return pending;
  }

  /** Undeploys (drains) every listener: the node stops accepting. */
  Future<Void> undeployAll() {
    pending = pending.transform(ignored -> {
      List<Future<?>> steps = new ArrayList<>();
      for (Deployed old : List.copyOf(deployed.values())) {
        deployed.remove(old.config().name());
        steps.add(vertx.undeploy(old.deploymentId()));
      }
      return Future.join(steps).mapEmpty();
    });
    return pending;
  }

  private Future<Void> doReconcile(L4muxConfig config) {
    List<Future<?>> steps = new ArrayList<>();
    Map<String, ListenerConfig> wanted = new HashMap<>();
    config.listeners().forEach(l -> wanted.put(l.name(), l));
    for (ListenerConfig listener : config.listeners()) {
      Deployed current = deployed.get(listener.name());
      if (current != null && sameSockets(current.config(), listener)) {
        continue;
      }
      steps.add(deploy(listener).compose(id -> {
        Deployed previous = deployed.put(listener.name(), new Deployed(listener, id));
        return previous == null ? Future.succeededFuture() : undeploy(previous);
      }));
    }
    for (Deployed old : List.copyOf(deployed.values())) {
      if (!wanted.containsKey(old.config().name())) {
        deployed.remove(old.config().name());
        state.boundPorts(old.config().name(), List.of());
        steps.add(undeploy(old));
      }
    }
    return Future.all(steps).mapEmpty();
  }

  private Future<String> deploy(ListenerConfig listener) {
    io.vertx.core.Deployable verticle = listener.transport() == ListenerConfig.Transport.UDP
        ? new dev.l4mux.udp.UdpListenerVerticle(listener, state)
        : new ListenerVerticle(listener, state);
    return vertx.deployVerticle(verticle)
        .onSuccess(id -> LOG.info("listener " + listener.name() + " bound " + listener.bind() + " -> ports "
            + state.boundPorts(listener.name()) + " (a socket per event loop, " + eventLoops(vertx) + " loops)"));
  }

  private Future<Void> undeploy(Deployed old) {
    // Not awaited by callers' readiness: draining may take up to timeouts.drain.
    vertx.undeploy(old.deploymentId())
        .onComplete(r -> LOG.info("listener " + old.config().name() + " " + old.config().bind() + " closed"));
    return Future.succeededFuture();
  }

  /** The number of event loops: router verticles get one instance each, listeners a socket each. */
  static int eventLoops(Vertx vertx) {
    if (vertx instanceof io.vertx.core.internal.VertxInternal internal) {
      int count = 0;
      for (io.netty.util.concurrent.EventExecutor ignored : internal.nettyEventLoopGroup()) {
        count++;
      }
      return Math.max(1, count);
    }
    return Runtime.getRuntime().availableProcessors();
  }

  private static boolean sameSockets(ListenerConfig a, ListenerConfig b) {
    return Objects.equals(a.bind(), b.bind()) && a.transport() == b.transport();
  }

  private record Deployed(ListenerConfig config, String deploymentId) {}
}
