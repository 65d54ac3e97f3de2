package dev.l4mux;

import dev.l4mux.config.ConfigException;
import dev.l4mux.config.ConfigFiles;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * Where the node's configuration comes from: a watched YAML or JSON file, or a fixed JSON object
 * given inline on the command line.
 *
 * <p>The file is watched by vertx-config's file store with the {@code raw} format: vertx-config
 * notices changes and hands over the text, which {@link ConfigFiles} parses exactly as
 * {@code validate} and {@code PUT /api/config} do (duplicate keys are errors, line and column
 * reported), so the three can never disagree about what a file means.
 */
final class ConfigSource {

  /** Key of the launcher-provided JSON that points at the configuration file. */
  static final String CONFIG_PATH_KEY = "l4mux.configPath";
  /** Key (in the same JSON) of the file scan period in milliseconds; default 1000. */
  static final String SCAN_PERIOD_KEY = "l4mux.scanPeriodMs";
  /** Key of the launcher-provided JSON that carries an inline configuration (given as {@code -conf '{...}'}). */
  static final String INLINE_KEY = "l4mux.inlineConfig";
  private static final String RAW_KEY = "text";

  private final Path file;
  private final JsonObject inline;
  private final long scanPeriodMs;
  private ConfigRetriever retriever;

  private ConfigSource(Path file, JsonObject inline, long scanPeriodMs) {
    this.file = file;
    this.inline = inline;
    this.scanPeriodMs = scanPeriodMs;
  }

  /**
   * Interprets the verticle config the launcher passed: a file pointer, an inline configuration,
   * or nothing (then {@code L4MUX_CONFIG}, then {@code conf/l4mux.yaml}).
   */
  static ConfigSource from(JsonObject verticleConfig) {
    long scan = verticleConfig.getLong(SCAN_PERIOD_KEY, 1000L);
    String path = verticleConfig.getString(CONFIG_PATH_KEY);
    if (path != null) {
      return new ConfigSource(Path.of(path).toAbsolutePath(), null, scan);
    }
    JsonObject inline = verticleConfig.getJsonObject(INLINE_KEY);
    if (inline != null) {
      return new ConfigSource(null, inline, scan);
    }
    JsonObject rest = verticleConfig.copy();
    rest.remove(SCAN_PERIOD_KEY);
    if (!rest.isEmpty()) {
      return new ConfigSource(null, rest, scan); // embedded: the deployment config is the configuration
    }
    return new ConfigSource(defaultFile(), null, scan);
  }

  static Path defaultFile() {
    String env = System.getenv("L4MUX_CONFIG");
    return Path.of(env != null && !env.isBlank() ? env : "conf/l4mux.yaml").toAbsolutePath();
  }

  String describe() {
    return file != null ? file.toString() : "inline JSON";
  }

  /** Reads the configuration once, then reports every change of the file to {@code onChange}. */
  Future<JsonObject> start(Vertx vertx, Handler<JsonObject> onChange, Handler<Throwable> onError) {
    if (file == null) {
      return Future.succeededFuture(inline.copy());
    }
    ConfigStoreOptions store =
        new ConfigStoreOptions()
            .setType("file")
            .setFormat("raw")
            .setConfig(new JsonObject().put("path", file.toString()).put("raw.key", RAW_KEY).put("raw.type", "string"));
    retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions().setScanPeriod(scanPeriodMs).addStore(store));
    retriever.configStream().exceptionHandler(onError);
    retriever.listen(change -> {
      try {
        onChange.handle(parse(change.getNewConfiguration()));
      } catch (ConfigException e) {
        onError.handle(e);
      }
    });
    return retriever.getConfig().map(this::parse);
  }

  private JsonObject parse(JsonObject raw) {
    return ConfigFiles.parseText(raw.getString(RAW_KEY, ""), file.getFileName().toString());
  }

  Future<Void> stop() {
    return retriever == null ? Future.succeededFuture() : retriever.close();
  }
}
