package dev.l4mux.admin;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** What the admin API asks of the node beyond reading its state. */
public interface NodeControl {

  /**
   * Validates a YAML or JSON body and pushes it to every node as the next version; fails with a
   * {@link dev.l4mux.config.ConfigException} (nothing changes) when it is invalid. Answers
   * {@code {"version": N}}.
   */
  Future<JsonObject> putConfig(Buffer body);

  /** Every node's stats, with unreachable nodes marked and {@code partial} set. */
  Future<JsonObject> clusterView();

  /** Stops accepting, lets open connections finish (up to the drain timeout), then leaves. */
  Future<Void> drain();
}
