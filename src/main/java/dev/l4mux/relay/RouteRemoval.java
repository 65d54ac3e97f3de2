package dev.l4mux.relay;

import dev.l4mux.config.BackendPolicy;
import dev.l4mux.config.L4muxConfig;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.observe.NodeLog;
import io.vertx.core.Vertx;

/**
 * Applies {@code onRemove} when a new configuration replaces {@code before}: the open connections
 * of each route it removes or changes are kept, closed at once ({@code route_removed}), or closed
 * after the old route's {@code timeouts.drain} ({@code route_drained}). A connection belongs to
 * the route object it was decided on, so connections made on the new, same-named route are never
 * touched.
 */
public final class RouteRemoval {

  public static final String CLOSED = "route_removed";
  public static final String DRAINED = "route_drained";

  private RouteRemoval() {}

  public static void apply(Vertx vertx, ConnectionRegistry connections, L4muxConfig before, L4muxConfig after) {
    if (before == null) {
      return;
    }
    for (RouteConfig old : before.routes()) {
      if (after.route(old.name()).filter(old::equals).isPresent()) {
        continue; // unchanged: its connections belong to an equal route
      }
      BackendPolicy.OnRemove fate = old.backendPolicy().onRemove();
      if (fate == BackendPolicy.OnRemove.CLOSE) {
        closeAll(connections, old, CLOSED);
      } else if (fate == BackendPolicy.OnRemove.DRAIN) {
        long ms = Math.max(1, old.timeouts().drain().toMillis());
        vertx.setTimer(ms, t -> closeAll(connections, old, DRAINED));
      }
    }
  }

  private static void closeAll(ConnectionRegistry connections, RouteConfig route, String reason) {
    int closed = 0;
    for (ProxiedConnection c : connections.all()) {
      if (c.routeConfig() == route) {
        c.closeFromAnyThread(reason);
        closed++;
      }
    }
    if (closed > 0) {
      NodeLog.info("route " + route.name() + " was removed or changed: closing " + closed + " open connections (" + reason + ")");
    }
  }
}
