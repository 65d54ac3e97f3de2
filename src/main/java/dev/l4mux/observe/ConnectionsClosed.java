package dev.l4mux.observe;

import java.util.List;

/**
 * The connections that closed on one event loop within one batch period, published on
 * {@code l4mux.connection.events}: one bus message per batch, not one per connection, so a
 * burst of short connections costs the access log one hand-over to its thread per batch.
 */
public record ConnectionsClosed(List<ConnectionClosed> connections) {

  public ConnectionsClosed {
    connections = List.copyOf(connections);
  }
}
