package dev.l4mux.cluster;

import io.vertx.core.json.JsonObject;

/**
 * A configuration version as it travels on {@code l4mux.config.changed} and sits in the
 * cluster-wide map: its version and the configuration as JSON (validated by whoever pushed it, and
 * validated again by every node before it is applied).
 */
public record VersionedConfig(ConfigVersion version, JsonObject config) {

  public VersionedConfig {
    config = config.copy();
  }

  @Override
  public JsonObject config() {
    return config.copy();
  }

  public JsonObject toJson() {
    return new JsonObject().put("version", version.toJson()).put("config", config);
  }

  public static VersionedConfig fromJson(JsonObject json) {
    return new VersionedConfig(ConfigVersion.fromJson(json.getJsonObject("version")), json.getJsonObject("config"));
  }
}
