package dev.l4mux.cluster;

import io.vertx.core.json.JsonObject;
import java.util.Comparator;

/**
 * The identity of a configuration version: a number from a cluster-wide counter, and the node that
 * pushed it. Hazelcast's CP subsystem is off, so the counter is not linearizable: two pushes may get
 * the same number (during a partition, for instance). Ordering by (number, node) still gives every
 * node the same winner, which is all convergence needs.
 */
public record ConfigVersion(long number, String node) implements Comparable<ConfigVersion> {

  /** Before any configuration was applied. */
  public static final ConfigVersion NONE = new ConfigVersion(0, "");

  private static final Comparator<ConfigVersion> ORDER =
      Comparator.comparingLong(ConfigVersion::number).thenComparing(ConfigVersion::node);

  @Override
  public int compareTo(ConfigVersion other) {
    return ORDER.compare(this, other);
  }

  public boolean isNewerThan(ConfigVersion other) {
    return compareTo(other) > 0;
  }

  public JsonObject toJson() {
    return new JsonObject().put("number", number).put("node", node);
  }

  public static ConfigVersion fromJson(JsonObject json) {
    return new ConfigVersion(json.getLong("number"), json.getString("node"));
  }

  @Override
  public String toString() {
    return number + "@" + node;
  }
}
