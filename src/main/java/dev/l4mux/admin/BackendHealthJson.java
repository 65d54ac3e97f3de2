package dev.l4mux.admin;

import dev.l4mux.health.HealthOpinions;
import dev.l4mux.route.ActiveStatus;
import dev.l4mux.route.Backend;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** The health part of a backend in {@code /api/routes}: eligibility, why it is down, the checks. */
final class BackendHealthJson {

  private BackendHealthJson() {}

  static void describe(Backend b, HealthOpinions opinions, JsonObject out) {
    out.put("eligible", b.isEligible());
    out.put("reason", b.downReason());
    ActiveStatus active = b.activeStatus();
    if (active != null) {
      out.put("active", new JsonObject()
          .put("up", active.isUp())
          .put("reason", active.reason())
          .put("lastCheck", active.lastCheckMillis() == 0 ? null : Instant.ofEpochMilli(active.lastCheckMillis()).toString()));
      out.put("nodes", opinions.of(b.address().toString()));
    }
  }
}
