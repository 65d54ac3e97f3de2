package dev.l4mux;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where the node's configuration comes from: a watched YAML or JSON file (read through vertx-config's
 * file store), or a fixed JSON object given inline on the command line.
 */
final class ConfigSource {

  /** Key of the launcher-provided JSON that points at the configuration file. */
  static final String CONFIG_PATH_KEY = "l4mux.configPath";
  /** Key (in the same JSON) of the file scan period in milliseconds; default 1000. */
  static final String SCAN_PERIOD_KEY = "l4mux.scanPeriodMs";

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
    JsonObject rest = verticleConfig.copy();
    rest.remove(SCAN_PERIOD_KEY);
    if (!rest.isEmpty()) {
      return new ConfigSource(null, rest, scan);
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
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    String format = name.endsWith(".json") ? "json" : "yaml";
    ConfigStoreOptions store =
        new ConfigStoreOptions().setType("file").setFormat(format).setConfig(new JsonObject().put("path", file.toString()));
    retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions().setScanPeriod(scanPeriodMs).addStore(store));
    retriever.configStream().exceptionHandler(onError);
    retriever.listen(change -> onChange.handle(change.getNewConfiguration()));
    return retriever.getConfig();
  }

  Future<Void> stop() {
    return retriever == null ? Future.succeededFuture() : retriever.close();
  }
}
