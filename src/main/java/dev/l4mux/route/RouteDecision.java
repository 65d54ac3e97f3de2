package dev.l4mux.route;

import dev.l4mux.config.RouteConfig;
import java.util.List;

/** The router's answer: forward to one of the candidate backends, or reject. */
public sealed interface RouteDecision permits RouteDecision.Forward, RouteDecision.Reject {

  /**
   * Forward along {@code route}; try {@code candidates} in order (the balancer's pick first, then the
   * others as failover) until one connects.
   */
  record Forward(RouteConfig route, List<Backend> candidates) implements RouteDecision {
    public Forward {
      candidates = List.copyOf(candidates);
    }
  }

  /**
   * Close the connection, telling the client in its own protocol why where possible.
   *
   * @param reason a CONTRACT section 5 rejection reason ({@code no_route}, {@code denied}, ...)
   */
  record Reject(String reason) implements RouteDecision {}

  String NO_ROUTE = "no_route";

  /** No backend of the route (nor of the listener's fallback) may be picked: all down or ejected. */
  String BACKEND_UNAVAILABLE = "backend_unavailable";
}
