package dev.l4mux.health;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every node's latest active-health verdict per backend address, as published on {@code
 * l4mux.health.changed} (this node's own included), for {@code /api/routes}. Bounded by the
 * number of nodes times the backends they check.
 */
public final class HealthOpinions {

  /** One node's verdict on one backend. */
  public record Opinion(String node, String backend, String check, boolean up, String reason, long atMillis) {

    public JsonObject toJson() {
      return new JsonObject().put("node", node).put("backend", backend).put("check", check).put("up", up).put("reason", reason).put("at", atMillis);
    }

    static Opinion fromJson(JsonObject json) {
      return new Opinion(json.getString("node"), json.getString("backend"), json.getString("check"),
          json.getBoolean("up", false), json.getString("reason"), json.getLong("at", 0L));
    }
  }

  private final Map<String, Map<String, Opinion>> byBackend = new ConcurrentHashMap<>();

  void record(Opinion opinion) {
    byBackend.computeIfAbsent(opinion.backend(), k -> new ConcurrentHashMap<>()).put(opinion.node() + "/" + opinion.check(), opinion);
  }

  /** What each node last said about {@code backend} ({@code host:port}), keyed by node and check. */
  public JsonObject of(String backend) {
    JsonObject out = new JsonObject();
    new TreeMap<>(byBackend.getOrDefault(backend, Map.of())).forEach((k, v) -> out.put(k, new JsonObject().put("up", v.up()).put("reason", v.reason()).put("at", v.atMillis())));
    return out;
  }
}
