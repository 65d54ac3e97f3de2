package dev.l4mux.health;

import dev.l4mux.NodeState;
import dev.l4mux.bus.Addresses;
import dev.l4mux.config.HealthCheck;
import dev.l4mux.config.HostPort;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.observe.NodeLog;
import dev.l4mux.relay.ProxiedConnection;
import dev.l4mux.route.ActiveStatus;
import dev.l4mux.route.Backend;
import dev.l4mux.route.BackendStates.CheckKey;
import dev.l4mux.route.RouteTable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs the active health checks of the current route table on this verticle's event loop: one
 * schedule per backend address and check configuration, however many routes share it. The first
 * check of a schedule is at a random point of its first interval and every later one an interval
 * (plus or minus 10%) after the previous ended, so checks spread out and never pile up; each
 * schedule has at most one check in flight, bounded by its timeout.
 *
 * <p>A flip of a verdict (after {@code fall} failures or {@code rise} successes in a row) is logged
 * once and published on {@code l4mux.health.changed} (cluster-wide), as is a schedule's first
 * verdict; every node records what every node said ({@link HealthOpinions}).
 */
public final class HealthCheckVerticle extends VerticleBase {

  /** The close reason of a connection whose backend active health marked down. */
  public static final String BACKEND_DOWN = "backend_down";

  private static final long RECONCILE_MS = 250;
  private static final double JITTER = 0.1;

  private final NodeState state;
  private final Map<CheckKey, Schedule> schedules = new HashMap<>();
  /** Nodes whose verdicts reached this one (bounded: forgotten all at once past MAX_NODES_HEARD). */
  private final Set<String> heardFrom = new HashSet<>();
  private static final int MAX_NODES_HEARD = 1024;
  private RouteTable reconciled;
  private NetClient client;
  private HealthProbe probe;
  private long reconcileTimer;
  private MessageConsumer<JsonObject> opinions;

  public HealthCheckVerticle(NodeState state) {
    this.state = state;
  }

  @Override
  public Future<?> start() {
    client = vertx.createNetClient(new NetClientOptions().setIdleTimeout(0));
    probe = new HealthProbe(vertx, client);
    opinions = vertx.eventBus().<JsonObject>consumer(Addresses.HEALTH_CHANGED)
        .handler(m -> onOpinion(HealthOpinions.Opinion.fromJson(m.body())));
    reconcileTimer = vertx.setPeriodic(0, RECONCILE_MS, id -> reconcile());
    return opinions.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(reconcileTimer);
    schedules.values().forEach(Schedule::stop);
    schedules.clear();
    return opinions.unregister().compose(v -> client.close());
  }

  /** Starts the schedules a new table needs and stops those it no longer has. */
  /**
   * Records a node's verdict. Verdicts are published on flips only, so a node that joined (or
   * started checking) after this one published would not learn this node's until the next flip:
   * the first verdict heard from a node makes this one publish all of its own again.
   */
  private void onOpinion(HealthOpinions.Opinion opinion) {
    state.healthOpinions().record(opinion);
    if (opinion.node().equals(state.nodeName())) {
      return;
    }
    if (heardFrom.size() >= MAX_NODES_HEARD) {
      heardFrom.clear();
    }
    if (heardFrom.add(opinion.node())) {
      schedules.values().forEach(Schedule::republish);
    }
  }

  private void reconcile() {
    RouteTable table = state.routeTable();
    if (table == null || table == reconciled) {
      return;
    }
    reconciled = table;
    Map<CheckKey, List<String>> wanted = new LinkedHashMap<>();
    for (RouteConfig route : table.config().routes()) {
      HealthCheck check = route.backendPolicy().health();
      if (check != null) {
        route.backends().forEach(b -> wanted.computeIfAbsent(new CheckKey(b.address(), check), k -> new ArrayList<>()).add(route.name()));
      }
    }
    Map<CheckKey, ActiveStatus> statuses = state.backendStates().activeChecks();
    schedules.entrySet().removeIf(e -> {
      if (wanted.containsKey(e.getKey()) && statuses.get(e.getKey()) == e.getValue().status) {
        return false;
      }
      e.getValue().stop();
      return true;
    });
    wanted.forEach((key, routes) -> {
      ActiveStatus status = statuses.get(key);
      if (status == null) {
        return; // the table was replaced meanwhile; the next reconcile sees the new one
      }
      Schedule s = schedules.computeIfAbsent(key, k -> new Schedule(k, status));
      s.routes = List.copyOf(routes);
      s.start();
    });
  }

  /** {@code onBackendDown: close}: the open connections of such routes to the backend that went down. */
  private void closeConnectionsTo(Schedule down) {
    RouteTable table = state.routeTable();
    List<String> closing = down.routes.stream()
        .filter(r -> table.config().route(r).map(c -> c.backendPolicy().closeOnBackendDown()).orElse(false))
        .toList();
    if (closing.isEmpty()) {
      return;
    }
    int closed = 0;
    for (ProxiedConnection c : state.connections().all()) {
      Backend b = c.backend();
      if (b != null && b.address().equals(down.key.address()) && closing.contains(b.route())) {
        c.closeFromAnyThread(BACKEND_DOWN);
        closed++;
      }
    }
    NodeLog.info("closing " + closed + " open connections to " + down.key.address() + " (onBackendDown: close, routes " + String.join(", ", closing) + ")");
  }

  /** The checks of one backend address with one configuration. */
  private final class Schedule {
    final CheckKey key;
    final ActiveStatus status;
    List<String> routes = List.of();
    long timer = -1;
    boolean started;
    boolean stopped;
    boolean published;

    Schedule(CheckKey key, ActiveStatus status) {
      this.key = key;
      this.status = status;
    }

    void start() {
      if (!started) {
        started = true;
        long interval = key.check().interval().toMillis();
        timer = vertx.setTimer(1 + ThreadLocalRandom.current().nextLong(Math.max(1, interval)), t -> check());
      }
    }

    /** A built-in backend is checked on its loopback port (port 0, refused, while it is not bound). */
    private HostPort target(HostPort address) {
      if (!address.isBuiltin()) {
        return address;
      }
      java.net.InetSocketAddress bound = state.backendStates().builtins().address(address, false);
      return bound == null ? new HostPort("127.0.0.1", 0) : new HostPort(bound.getAddress().getHostAddress(), bound.getPort());
    }

    void stop() {
      stopped = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
    }

    /** Publishes the current verdict again (a node joined), if there is one yet. */
    void republish() {
      if (published && !stopped) {
        publish(status.reason());
      }
    }

    private void publish(String reason) {
      vertx.eventBus().publish(Addresses.HEALTH_CHANGED, new HealthOpinions.Opinion(state.nodeName(), key.address().toString(),
          key.check().kind().configName(), status.isUp(), reason, status.lastCheckMillis()).toJson());
    }

    private void check() {
      timer = -1;
      if (stopped) {
        return;
      }
      HealthCheck check = key.check();
      probe.run(target(key.address()), check).onComplete(result -> {
        if (stopped) {
          return;
        }
        HealthProbe.Outcome outcome = result.result();
        boolean flipped = status.record(outcome.success(), outcome.reason(), check.rise(), check.fall(), System.currentTimeMillis());
        for (String route : routes) {
          state.metrics().healthChecked(route, key.address().toString(), outcome.success() ? "success" : "failure");
        }
        if (flipped) {
          String text = "backend " + key.address() + " is " + (status.isUp() ? "up" : "down") + " (" + check.kind().configName()
              + " check, routes " + String.join(", ", routes) + "): " + outcome.reason();
          if (status.isUp()) {
            NodeLog.info(text);
          } else {
            NodeLog.warning(text);
            closeConnectionsTo(this);
          }
        }
        if (flipped || !published) {
          published = true;
          publish(outcome.reason());
        }
        long interval = check.interval().toMillis();
        long jitter = (long) (interval * JITTER);
        long delay = interval + (jitter == 0 ? 0 : ThreadLocalRandom.current().nextLong(-jitter, jitter + 1));
        timer = vertx.setTimer(Math.max(1, delay), t -> check());
      });
    }
  }
}
