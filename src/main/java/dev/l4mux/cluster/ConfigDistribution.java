package dev.l4mux.cluster;

import dev.l4mux.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Shares one versioned configuration among the nodes (CONTRACT section 7): a push takes the next
 * number from a cluster-wide counter, stores the version in a cluster-wide map if it is newer than
 * the stored one, and publishes it on {@code l4mux.config.changed}. Every node applies versions
 * newer than its own and ignores the rest; a periodic read of the stored version repairs any
 * missed publication (a node that joined late, a message lost in a partition), so all nodes end on
 * the greatest (number, node) version. Without {@code -cluster} the same code runs on Vert.x's
 * local map, counter and event bus.
 */
public final class ConfigDistribution {

  static final String MAP = "l4mux.config";
  static final String KEY = "active";
  static final String COUNTER = "l4mux.config.version";
  static final long REPAIR_PERIOD_MS = 2_000;
  private static final int STORE_ATTEMPTS = 20;
  private static final Logger LOG = Logger.getLogger("l4mux");

  private final Vertx vertx;
  private final String node;
  private final Supplier<VersionedConfig> current;
  private final Consumer<VersionedConfig> apply;
  private MessageConsumer<JsonObject> consumer;
  private long repairTimer = -1;

  /**
   * @param current the version this node runs, or null before the first
   * @param apply called with a version newer than {@code current}
   */
  public ConfigDistribution(Vertx vertx, String node, Supplier<VersionedConfig> current, Consumer<VersionedConfig> apply) {
    this.vertx = vertx;
    this.node = node;
    this.current = current;
    this.apply = apply;
  }

  /** Starts listening for new versions and repairing from the stored one. */
  public Future<Void> start() {
    consumer = vertx.eventBus().<JsonObject>consumer(Addresses.CONFIG_CHANGED).handler(m -> offer(m.body()));
    repairTimer = vertx.setPeriodic(REPAIR_PERIOD_MS, id -> repair());
    return consumer.completion();
  }

  public Future<Void> stop() {
    if (repairTimer >= 0) {
      vertx.cancelTimer(repairTimer);
    }
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /**
   * Anti-entropy: take the stored version if it is newer; store (and publish) ours if it is newer
   * than the stored one, which happens after a partition heals and the merged map kept the other
   * side's entry. Either way every node ends on the greatest version.
   */
  private void repair() {
    readStored().onSuccess(stored -> {
      VersionedConfig mine = current.get();
      if (stored.isPresent() && (mine == null || stored.get().version().isNewerThan(mine.version()))) {
        offer(stored.get());
      } else if (mine != null && mine.version().number() > 0
          && (stored.isEmpty() || mine.version().isNewerThan(stored.get().version()))) {
        storeIfNewer(mine, STORE_ATTEMPTS).onSuccess(v -> vertx.eventBus().publish(Addresses.CONFIG_CHANGED, mine.toJson()));
      }
    });
  }

  /** The version stored cluster-wide, if any node ever pushed one. */
  public Future<Optional<VersionedConfig>> readStored() {
    return map().compose(m -> m.get(KEY)).map(text -> Optional.ofNullable(text).map(t -> VersionedConfig.fromJson(new JsonObject(t))));
  }

  /**
   * Gives {@code config} (already validated) the next version, stores it if it is the newest and
   * publishes it to every node, this one included.
   */
  public Future<VersionedConfig> push(JsonObject config) {
    return vertx.sharedData()
        .getCounter(COUNTER)
        .compose(counter -> counter.incrementAndGet())
        .map(n -> new VersionedConfig(new ConfigVersion(Math.max(n, currentVersion().number() + 1), node), config))
        .compose(versioned -> storeIfNewer(versioned, STORE_ATTEMPTS).map(versioned))
        .onSuccess(versioned -> {
          vertx.eventBus().publish(Addresses.CONFIG_CHANGED, versioned.toJson());
          offer(versioned);
        });
  }

  private void offer(JsonObject json) {
    try {
      offer(VersionedConfig.fromJson(json));
    } catch (RuntimeException e) {
      LOG.warning("ignoring a malformed configuration message: " + e);
    }
  }

  private ConfigVersion currentVersion() {
    VersionedConfig mine = current.get();
    return mine == null ? ConfigVersion.NONE : mine.version();
  }

  private void offer(VersionedConfig versioned) {
    if (versioned.version().isNewerThan(currentVersion())) {
      apply.accept(versioned);
    }
  }

  /** Compare-and-set loop: the map only ever moves to a greater version. */
  private Future<Void> storeIfNewer(VersionedConfig versioned, int attemptsLeft) {
    if (attemptsLeft == 0) {
      return Future.failedFuture("could not store configuration version " + versioned.version() + ": too much contention");
    }
    String text = versioned.toJson().encode();
    return map().compose(m -> m.get(KEY).compose(stored -> {
      if (stored == null) {
        return m.putIfAbsent(KEY, text).compose(previous ->
            previous == null ? Future.succeededFuture() : storeIfNewer(versioned, attemptsLeft - 1));
      }
      ConfigVersion storedVersion = VersionedConfig.fromJson(new JsonObject(stored)).version();
      if (!versioned.version().isNewerThan(storedVersion)) {
        return Future.succeededFuture(); // a newer version won; ours is still published, and ignored
      }
      return m.replaceIfPresent(KEY, stored, text).compose(replaced ->
          replaced ? Future.succeededFuture() : storeIfNewer(versioned, attemptsLeft - 1));
    }));
  }

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }
}
