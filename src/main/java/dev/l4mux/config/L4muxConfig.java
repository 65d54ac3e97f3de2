package dev.l4mux.config;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/**
 * A validated, immutable configuration.
 *
 * @param source the configuration as JSON, as given (for {@code GET /api/config})
 */
public record L4muxConfig(
    AdminConfig admin,
    Defaults defaults,
    List<ListenerConfig> listeners,
    List<RouteConfig> routes,
    JsonObject source) {

  public L4muxConfig {
    listeners = List.copyOf(listeners);
    routes = List.copyOf(routes);
    source = source.copy();
  }

  public Optional<ListenerConfig> listener(String name) {
    return listeners.stream().filter(l -> l.name().equals(name)).findFirst();
  }

  public Optional<RouteConfig> route(String name) {
    return routes.stream().filter(r -> r.name().equals(name)).findFirst();
  }

  @Override
  public JsonObject source() {
    return source.copy();
  }
}
