package dev.l4mux;

import dev.l4mux.admin.AdminVerticle;
import dev.l4mux.bus.LocalRecordCodec;
import dev.l4mux.config.ConfigException;
import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.config.L4muxConfig;
import dev.l4mux.observe.AccessLogVerticle;
import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.observe.L4muxMetrics;
import dev.l4mux.route.RouteDecision;
import dev.l4mux.route.RouteRequest;
import dev.l4mux.route.RouteTable;
import dev.l4mux.route.RouterVerticle;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * l4mux's root verticle: loads and validates the configuration, deploys the routers, the access
 * log, the listeners and the admin server, and applies valid configuration changes (the watched
 * file, {@code PUT /api/config}) without restart. An invalid change is logged with every error and
 * the running configuration kept.
 */
public final class RootVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger("l4mux");

  private ConfigSource source;
  private NodeState state;
  private Listeners listeners;
  private long version;
  private AdminVerticle admin;

  /** The node's shared state (for tests and embedding). */
  public NodeState state() {
    return state;
  }

  /** The admin server's bound port (useful when configured with port 0). */
  public int adminPort() {
    return admin.actualPort();
  }

  @Override
  public Future<?> start() {
    LocalRecordCodec.registerAll(vertx, RouteRequest.class, RouteDecision.Forward.class, RouteDecision.Reject.class, ConnectionClosed.class);
    state = new NodeState(nodeName(), metrics());
    listeners = new Listeners(vertx, state);
    source = ConfigSource.from(config());
    int loops = Listeners.eventLoops(vertx);
    return source.start(vertx, this::onFileChanged, this::onFileError)
        .map(ConfigParser::parse)
        .onFailure(this::logStartFailure)
        .compose(config -> {
          state.install(new RouteTable(++version, config));
          return vertx.deployVerticle(() -> new RouterVerticle(state), new DeploymentOptions().setInstances(loops))
              .compose(id -> vertx.deployVerticle(new AccessLogVerticle(state), new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)))
              .compose(id -> listeners.reconcile(config))
              .compose(v -> startAdmin(config))
              .onSuccess(v -> {
                state.listenersBound(true);
                LOG.info("l4mux node " + state.nodeName() + " ready with " + source.describe() + " (version " + version + ", "
                    + config.listeners().size() + " listeners, " + config.routes().size() + " routes; ports " + state.allBoundPorts() + ")");
              });
        });
  }

  @Override
  public Future<?> stop() {
    state.startDraining();
    return source.stop();
  }

  private Future<Void> startAdmin(L4muxConfig config) {
    admin = new AdminVerticle(adminConfig(config), state, this::applyBody);
    return vertx.deployVerticle(admin).mapEmpty();
  }

  private static dev.l4mux.config.AdminConfig adminConfig(L4muxConfig config) {
    String override = System.getenv("L4MUX_ADMIN_LISTEN");
    if (override == null || override.isBlank()) {
      return config.admin();
    }
    JsonObject json = new JsonObject().put("admin", new JsonObject().put("listen", override).put("token", config.admin().token()));
    return ConfigParser.parse(json).admin();
  }

  private void logStartFailure(Throwable failure) {
    if (failure instanceof ConfigException invalid) {
      invalid.errors().forEach(err -> LOG.severe("invalid configuration " + source.describe() + ": " + err));
    } else {
      LOG.severe("cannot start with " + source.describe() + ": " + failure.getMessage());
    }
  }

  private void onFileError(Throwable failure) {
    if (failure instanceof ConfigException invalid) {
      rejectedChange(invalid);
    } else {
      LOG.warning("configuration " + source.describe() + ": " + failure.getMessage() + "; keeping version " + version);
    }
  }

  private void rejectedChange(ConfigException invalid) {
    LOG.warning("configuration change in " + source.describe() + " rejected (" + invalid.errors().size()
        + " errors); keeping version " + version);
    invalid.errors().forEach(err -> LOG.warning("  " + err));
  }

  private void onFileChanged(JsonObject json) {
    try {
      apply(ConfigParser.parse(json), "file " + source.describe());
    } catch (ConfigException e) {
      rejectedChange(e);
    }
  }

  private Future<JsonObject> applyBody(Buffer body) {
    try {
      L4muxConfig config = ConfigParser.parse(ConfigFiles.parseText(body.toString()));
      return apply(config, "admin API").map(v -> new JsonObject().put("version", v));
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
  }

  /** Installs a validated configuration: new connections follow it at once. */
  private Future<Long> apply(L4muxConfig config, String origin) {
    long applied = ++version;
    state.install(new RouteTable(applied, config));
    LOG.info("configuration version " + applied + " from " + origin + " applied");
    return listeners.reconcile(config)
        .onFailure(e -> LOG.log(Level.SEVERE, "configuration version " + applied + ": " + e.getMessage()))
        .map(applied);
  }

  /**
   * Each node gets its own registry for l4mux's meters (several nodes may share a JVM in tests);
   * Vert.x's own meters, when enabled by the launcher, are appended to the same scrape.
   */
  private static L4muxMetrics metrics() {
    PrometheusMeterRegistry own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MeterRegistry vertxRegistry = BackendRegistries.getDefaultNow();
    return new L4muxMetrics(own, vertxRegistry instanceof PrometheusMeterRegistry p ? p : null);
  }

  private static String nodeName() {
    String env = System.getenv("L4MUX_NODE_NAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "localhost";
    }
    return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
  }
}
