package dev.l4mux;

import dev.l4mux.cluster.ConfigVersion;
import dev.l4mux.observe.AcceptErrorLog;
import dev.l4mux.observe.L4muxMetrics;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import dev.l4mux.relay.ConnectionRegistry;
import dev.l4mux.route.RouteTable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.List;

/**
 * What one node's verticles share: the active route table (swapped atomically on a config change),
 * the open-connection registry, metrics, and lifecycle flags. Everything here is thread-safe;
 * connections themselves stay on their event loop.
 */
public final class NodeState {

  private final String nodeName;
  private final AtomicReference<RouteTable> routeTable = new AtomicReference<>();
  private final ConnectionRegistry connections = new ConnectionRegistry();
  private final L4muxMetrics metrics;
  private final Map<String, List<Integer>> boundPorts = new ConcurrentHashMap<>();
  private final AcceptErrorLog acceptErrors = new AcceptErrorLog();
  private final dev.l4mux.udp.UdpFlows udpFlows;
  private final dev.l4mux.route.BackendStates backendStates = new dev.l4mux.route.BackendStates();
  private final dev.l4mux.health.HealthOpinions healthOpinions = new dev.l4mux.health.HealthOpinions();
  private final dev.l4mux.limits.Limiters limiters = new dev.l4mux.limits.Limiters();
  private final dev.l4mux.tls.CertificateStore certificates;
  private final dev.l4mux.acme.AcmeChallenges acmeChallenges = new dev.l4mux.acme.AcmeChallenges();
  private volatile dev.l4mux.acme.AcmeManager acme;
  private volatile boolean draining;
  private volatile dev.l4mux.cluster.VersionedConfig versionedConfig;
  private volatile boolean listenersBound;

  public NodeState(String nodeName, L4muxMetrics metrics) {
    this.nodeName = nodeName;
    this.metrics = metrics;
    this.udpFlows = new dev.l4mux.udp.UdpFlows(new dev.l4mux.udp.UdpMetrics(metrics.registry()));
    this.certificates = new dev.l4mux.tls.CertificateStore(metrics);
  }

  /** Every open UDP flow of the node, and its bound. */
  public dev.l4mux.udp.UdpFlows udpFlows() {
    return udpFlows;
  }

  /** The certificates and TLS contexts of the terminating routes (installed before the route table). */
  public dev.l4mux.tls.CertificateStore certificates() {
    return certificates;
  }

  /** The ACME challenges this node answers (whichever node ordered them). */
  public dev.l4mux.acme.AcmeChallenges acmeChallenges() {
    return acmeChallenges;
  }

  /** The ACME certificates of the routes that use {@code tls.acme}; null before the node started. */
  public dev.l4mux.acme.AcmeManager acme() {
    return acme;
  }

  public void acme(dev.l4mux.acme.AcmeManager manager) {
    this.acme = manager;
  }

  public String nodeName() {
    return nodeName;
  }

  public RouteTable routeTable() {
    return routeTable.get();
  }

  /** Installs a new table; connections already relayed keep the decision they were given. */
  public void install(RouteTable table, ConfigVersion version) {
    versionedConfig = new dev.l4mux.cluster.VersionedConfig(version, table.config().source());
    routeTable.set(table);
    backendStates.retain(table);
    limiters.configure(table.config());
    metrics.configVersion(table.version());
    metrics.trackBackends(table.backends());
  }

  /** The active configuration with its version, or null before the first. */
  public dev.l4mux.cluster.VersionedConfig versionedConfig() {
    return versionedConfig;
  }

  /** The version of the active configuration ({@link ConfigVersion#NONE} before the first). */
  public ConfigVersion configVersion() {
    dev.l4mux.cluster.VersionedConfig active = versionedConfig;
    return active == null ? ConfigVersion.NONE : active.version();
  }

  /** This node's stats for the cluster view and the dashboard. */
  public JsonObject stats() {
    JsonArray listeners = new JsonArray();
    RouteTable table = routeTable.get();
    if (table != null) {
      table.config().listeners().forEach(l -> listeners.add(new JsonObject().put("name", l.name()).put("ports", new JsonArray(boundPorts(l.name())))));
    }
    return new JsonObject()
        .put("name", nodeName)
        .put("version", configVersion().number())
        .put("versionNode", configVersion().node())
        .put("ready", isReady())
        .put("draining", draining)
        .put("connections", connections.size())
        .put("listeners", listeners)
        .put("bytesUp", (long) metrics.bytesTotal("upstream"))
        .put("bytesDown", (long) metrics.bytesTotal("downstream"));
  }

  /** Backend state kept across route tables: build every table with it. */
  public dev.l4mux.route.BackendStates backendStates() {
    return backendStates;
  }

  /** The node's, listeners' and routes' connection limits. */
  public dev.l4mux.limits.Limiters limiters() {
    return limiters;
  }

  /** Every node's active-health verdicts, as published on {@code l4mux.health.changed}. */
  public dev.l4mux.health.HealthOpinions healthOpinions() {
    return healthOpinions;
  }

  public ConnectionRegistry connections() {
    return connections;
  }

  public L4muxMetrics metrics() {
    return metrics;
  }

  /** The ports a listener actually bound (useful when the config asked for port 0). */
  public List<Integer> boundPorts(String listener) {
    return boundPorts.getOrDefault(listener, List.of());
  }

  public Map<String, List<Integer>> allBoundPorts() {
    return Map.copyOf(boundPorts);
  }

  public void boundPorts(String listener, List<Integer> ports) {
    if (ports.isEmpty()) {
      boundPorts.remove(listener);
    } else {
      boundPorts.put(listener, List.copyOf(ports));
    }
  }

  /** Where every listening socket of this node reports failed accepts. */
  public AcceptErrorLog acceptErrors() {
    return acceptErrors;
  }

  /**
   * Completes once no connection is open, or after {@code limit}: used by the verticles that must
   * outlive the listeners' drain on shutdown (admin server, access log).
   */
  public io.vertx.core.Future<Void> awaitDrained(io.vertx.core.Vertx vertx, java.time.Duration limit) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    long deadline = System.nanoTime() + limit.toNanos();
    vertx.setPeriodic(1, 50, id -> {
      if (connections.size() == 0 || System.nanoTime() > deadline) {
        vertx.cancelTimer(id);
        done.tryComplete();
      }
    });
    return done.future();
  }

  /** The drain limit of the active configuration, plus a second for the last closes to report. */
  public java.time.Duration drainLimit() {
    RouteTable table = routeTable.get();
    java.time.Duration drain = table == null ? java.time.Duration.ZERO : table.config().defaults().timeouts().drain();
    return drain.plusSeconds(1);
  }

  public boolean isDraining() {
    return draining;
  }

  public void startDraining() {
    draining = true;
  }

  public boolean isReady() {
    return listenersBound && !draining && routeTable.get() != null;
  }

  public void listenersBound(boolean bound) {
    listenersBound = bound;
  }
}
