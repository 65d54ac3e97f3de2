package dev.l4mux;

import dev.l4mux.admin.AdminVerticle;
import dev.l4mux.admin.NodeControl;
import dev.l4mux.bus.LocalRecordCodec;
import dev.l4mux.cluster.ConfigDistribution;
import dev.l4mux.cluster.ConfigVersion;
import dev.l4mux.cluster.NodeDirectory;
import dev.l4mux.cluster.VersionedConfig;
import dev.l4mux.config.AdminConfig;
import dev.l4mux.config.ConfigException;
import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.config.L4muxConfig;
import dev.l4mux.demo.DemoBackends;
import dev.l4mux.health.HealthCheckVerticle;
import dev.l4mux.observe.AccessLogVerticle;
import dev.l4mux.observe.ConnectionsClosed;
import dev.l4mux.observe.L4muxMetrics;
import dev.l4mux.observe.NodeLog;
import dev.l4mux.relay.RouteRemoval;
import dev.l4mux.route.RouteDecision;
import dev.l4mux.route.RouteRequest;
import dev.l4mux.route.RouteTable;
import dev.l4mux.tls.CertificateStore;
import dev.l4mux.tls.CertificateWatcher;
import dev.l4mux.tls.TlsEngine;
import dev.l4mux.route.RouterVerticle;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.backends.BackendRegistries;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * l4mux's root verticle: reads the local configuration, joins the shared configuration (the
 * cluster's stored version wins over a local file; see docs/cluster.md), deploys the routers, the
 * access log, the listeners and the admin server, and applies every newer version without restart.
 * An invalid change is logged with every error and the running configuration kept.
 */
public final class RootVerticle extends VerticleBase implements NodeControl {

  private static final Logger LOG = Logger.getLogger("l4mux");

  private ConfigSource source;
  private NodeState state;
  private Listeners listeners;
  private ConfigDistribution distribution;
  private NodeDirectory directory;
  private AdminVerticle admin;
  private DemoBackends demo;
  private long startedAt;

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
    startedAt = System.currentTimeMillis();
    LocalRecordCodec.registerAll(vertx, RouteRequest.class, RouteDecision.Forward.class, RouteDecision.Reject.class, ConnectionsClosed.class,
        dev.l4mux.observe.FlowsEnded.class);
    state = new NodeState(nodeName(), metrics());
    state.acme(new dev.l4mux.acme.AcmeManager(vertx, state.nodeName(), state.certificates(), state.acmeChallenges()));
    listeners = new Listeners(vertx, state);
    demo = new DemoBackends(vertx, state.nodeName());
    state.backendStates().useBuiltins(demo);
    source = ConfigSource.from(config());
    distribution = new ConfigDistribution(vertx, state.nodeName(), state::versionedConfig, this::install);
    directory = new NodeDirectory(vertx, state.nodeName(), this::stats);
    int loops = Listeners.eventLoops(vertx);
    return source.start(vertx, this::onFileChanged, this::onFileError)
        .compose(json -> vertx.executeBlocking(() -> {
          // The local configuration must be valid even when the cluster's wins (certificate files
          // too; on a worker: the first TLS context loads the OpenSSL library).
          CertificateStore.check(ConfigParser.parse(json));
          return json;
        }))
        .onFailure(this::logStartFailure)
        .compose(local -> vertx.deployVerticle(() -> new RouterVerticle(state), new DeploymentOptions().setInstances(loops))
            .compose(id -> vertx.deployVerticle(new AccessLogVerticle(state)))
            .compose(id -> vertx.deployVerticle(new HealthCheckVerticle(state)))
            .compose(id -> state.acme().start())
            .compose(id -> distribution.start())
            .compose(v -> joinConfiguration(local))
            .compose(v -> demo.reconcile(state.routeTable().config())) // bound before a listener accepts
            .compose(v -> listeners.reconcile(state.routeTable().config()))
            .compose(v -> startAdmin(ConfigParser.parse(local).admin()))
            .compose(v -> directory.start()))
        .onSuccess(v -> {
          state.listenersBound(true);
          L4muxConfig config = state.routeTable().config();
          LOG.info("l4mux node " + state.nodeName() + " ready" + (vertx.isClustered() ? " (clustered)" : "")
              + " on " + NetworkTransport.describe(vertx) + " with "
              + source.describe() + " (version " + state.configVersion() + ", " + config.listeners().size() + " listeners, "
              + config.routes().size() + " routes; ports " + state.allBoundPorts() + ")"
              + (config.routes().stream().anyMatch(r -> r.tls().terminates()) ? "; TLS on the " + TlsEngine.get().describe() : ""));
          watchCertificates();
        });
  }

  /**
   * Before reporting ready: take the stored version if the cluster has one; otherwise this node's
   * configuration becomes the first version, unless it is an empty bootstrap configuration on a
   * clustered node (then the node serves only its admin API until a configuration arrives).
   */
  private Future<Void> joinConfiguration(JsonObject local) {
    return distribution.readStored().compose(stored -> {
      if (stored.isPresent()) {
        install(stored.get());
        if (state.routeTable() != null) {
          return Future.succeededFuture();
        }
      }
      L4muxConfig parsed = ConfigParser.parse(local);
      if (vertx.isClustered() && parsed.listeners().isEmpty() && parsed.routes().isEmpty()) {
        state.install(new RouteTable(0, parsed, state.backendStates()), ConfigVersion.NONE);
        LOG.info("waiting for the cluster's configuration (the local one is empty)");
        return Future.succeededFuture();
      }
      return distribution.push(local).mapEmpty();
    });
  }

  /** Applies a version newer than the running one; called for pushes from any node. */
  private void install(VersionedConfig versioned) {
    if (io.vertx.core.Vertx.currentContext() != context) {
      context.runOnContext(v -> install(versioned)); // listeners are reconciled on this verticle's context only
      return;
    }
    if (!versioned.version().isNewerThan(state.configVersion())) {
      return;
    }
    L4muxConfig config;
    CertificateStore.Snapshot certificates;
    try {
      config = ConfigParser.parse(versioned.config());
      state.acme().configure(config); // a certificate (stored, or a placeholder) for each ACME route
      certificates = CertificateStore.load(config, state.acme());
    } catch (ConfigException e) {
      LOG.warning("configuration version " + versioned.version() + " is invalid here; keeping " + state.configVersion());
      e.errors().forEach(err -> LOG.warning("  " + err));
      return;
    }
    boolean first = state.routeTable() == null;
    L4muxConfig before = first ? null : state.routeTable().config();
    state.certificates().install(certificates); // before the table whose routes use them
    Future<Void> builtins = demo.reconcile(config);
    state.install(new RouteTable(versioned.version().number(), config, state.backendStates()), versioned.version());
    RouteRemoval.apply(vertx, state.connections(), before, config);
    if (!first && !state.isDraining()) {
      LOG.info("configuration version " + versioned.version() + " applied");
      builtins.transform(ignored -> listeners.reconcile(config)).onFailure(e -> LOG.log(Level.SEVERE, "configuration version " + versioned.version() + ": " + e.getMessage()));
    }
  }

  /**
   * Checks the certificate files of the terminating routes every second, on a worker (a reload reads
   * files and builds TLS contexts), one check at a time.
   */
  private void watchCertificates() {
    CertificateWatcher watcher = new CertificateWatcher(state.certificates());
    long period = Long.getLong("l4mux.certificateScanMs", 1000);
    vertx.setPeriodic(period, id -> vertx.executeBlocking(() -> {
      watcher.check();
      return null;
    }, true));
  }

  @Override
  public Future<?> stop() {
    state.startDraining();
    demo.closeAll();
    return Future.join(directory.stop(), distribution.stop(), source.stop());
  }

  private Future<Void> startAdmin(AdminConfig fromConfig) {
    admin = new AdminVerticle(adminConfig(fromConfig), state, this);
    return vertx.deployVerticle(admin).mapEmpty();
  }

  /**
   * The admin server is node-local: the local configuration, L4MUX_ADMIN_LISTEN and
   * L4MUX_ADMIN_TOKEN (a container's secret), never a pushed one.
   */
  private static AdminConfig adminConfig(AdminConfig fromConfig) {
    String listen = System.getenv("L4MUX_ADMIN_LISTEN");
    String token = System.getenv("L4MUX_ADMIN_TOKEN");
    if ((listen == null || listen.isBlank()) && (token == null || token.isEmpty())) {
      return fromConfig;
    }
    JsonObject json = new JsonObject().put("admin", new JsonObject()
        .put("listen", listen == null || listen.isBlank() ? fromConfig.listen().toString() : listen)
        .put("token", token == null || token.isEmpty() ? fromConfig.token() : token));
    return ConfigParser.parse(json).admin();
  }

  @Override
  public Future<JsonObject> putConfig(Buffer body) {
    try {
      JsonObject json = ConfigFiles.parseText(body.toString());
      CertificateStore.check(ConfigParser.parse(json));
      return distribution.push(json).map(v -> new JsonObject().put("version", v.version().number()).put("node", v.version().node()));
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<JsonObject> clusterView() {
    return directory.view();
  }

  @Override
  public Future<Void> drain() {
    if (state.isDraining()) {
      return Future.succeededFuture();
    }
    state.startDraining();
    NodeLog.info("draining on request: " + state.connections().size() + " open connections, at most " + state.drainLimit());
    return directory.stop()
        .compose(v -> listeners.undeployAll())
        .compose(v -> state.awaitDrained(vertx, state.drainLimit()))
        .onComplete(v -> {
          NodeLog.info("drained; leaving" + (vertx.isClustered() ? " the cluster" : ""));
          vertx.setTimer(200, t -> vertx.close()); // after the HTTP answer went out
        });
  }

  /** This node's entry in the cluster view. */
  private JsonObject stats() {
    return state.stats().put("uptimeMs", System.currentTimeMillis() - startedAt).put("clustered", vertx.isClustered())
        .put("l4muxVersion", L4muxVersion.current());
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
      LOG.warning("configuration " + source.describe() + ": " + failure.getMessage() + "; keeping version " + state.configVersion());
    }
  }

  private void rejectedChange(ConfigException invalid) {
    LOG.warning("configuration change in " + source.describe() + " rejected (" + invalid.errors().size()
        + " errors); keeping version " + state.configVersion());
    invalid.errors().forEach(err -> LOG.warning("  " + err));
  }

  /** A valid edit of the watched file becomes the next version on every node. */
  private void onFileChanged(JsonObject json) {
    try {
      ConfigParser.parse(json);
    } catch (ConfigException e) {
      rejectedChange(e);
      return;
    }
    distribution.push(json)
        .onSuccess(v -> LOG.info("configuration from " + source.describe() + " pushed as version " + v.version()))
        .onFailure(e -> LOG.warning("could not push " + source.describe() + ": " + e.getMessage()));
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
