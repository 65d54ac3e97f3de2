package dev.l4mux.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * The cluster-wide view for {@code GET /api/cluster} and the dashboard. Each node keeps an entry in
 * a cluster-wide map (refreshed, with a time-to-live, so a killed node drops out by itself) and
 * answers stats requests on its own address. The view asks every listed node and marks the answer
 * partial when a node is slow or gone.
 */
public final class NodeDirectory {

  static final String MAP = "l4mux.nodes";
  static final String ADDRESS_PREFIX = "l4mux.node.";
  static final long ENTRY_TTL_MS = 10_000;
  static final long REFRESH_MS = 3_000;
  static final long ASK_TIMEOUT_MS = 1_500;
  static final long NO_HANDLERS_RETRY_MS = 300;

  private final Vertx vertx;
  private final String node;
  private final Supplier<JsonObject> localStats;
  private MessageConsumer<JsonObject> consumer;
  private long refreshTimer = -1;

  public NodeDirectory(Vertx vertx, String node, Supplier<JsonObject> localStats) {
    this.vertx = vertx;
    this.node = node;
    this.localStats = localStats;
  }

  /** The event-bus address where a node answers stats requests. */
  public static String address(String node) {
    return ADDRESS_PREFIX + node;
  }

  public Future<Void> start() {
    consumer = vertx.eventBus().<JsonObject>consumer(address(node)).handler(m -> m.reply(localStats.get()));
    refreshTimer = vertx.setPeriodic(REFRESH_MS, id -> register());
    return consumer.completion().compose(v -> register());
  }

  /** Leaves the directory (a clean stop); a killed node's entry expires instead. */
  public Future<Void> stop() {
    if (refreshTimer >= 0) {
      vertx.cancelTimer(refreshTimer);
    }
    Future<Void> unregister = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregister.compose(v -> map()).compose(m -> m.remove(node)).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  private Future<Void> register() {
    JsonObject entry = new JsonObject().put("name", node).put("since", System.currentTimeMillis());
    return map().compose(m -> m.put(node, entry.encode(), ENTRY_TTL_MS));
  }

  /** Asks every node in the directory for its stats; never fails, marks missing answers instead. */
  public Future<JsonObject> view() {
    return map().compose(AsyncMap::keys).recover(e -> Future.succeededFuture(java.util.Set.of(node))).compose(names -> {
      List<String> sorted = new ArrayList<>(names);
      if (!sorted.contains(node)) {
        sorted.add(node);
      }
      sorted.sort(Comparator.naturalOrder());
      List<Future<JsonObject>> answers = new ArrayList<>();
      for (String name : sorted) {
        Future<JsonObject> answer = name.equals(node) ? Future.succeededFuture(localStats.get()) : ask(name, true);
        answers.add(answer.map(stats -> stats.copy().put("reachable", true))
            .otherwise(e -> new JsonObject().put("name", name).put("reachable", false).put("error", String.valueOf(e.getMessage()))));
      }
      return Future.join(answers).transform(done -> {
        JsonArray nodes = new JsonArray();
        boolean partial = false;
        for (Future<JsonObject> answer : answers) {
          JsonObject stats = answer.result();
          partial |= !stats.getBoolean("reachable", false);
          nodes.add(stats);
        }
        return Future.succeededFuture(new JsonObject().put("partial", partial).put("nodes", nodes));
      });
    });
  }

  /**
   * Right after a node joins, the event-bus subscriptions of the others may not have reached it yet
   * (NO_HANDLERS); that is worth one retry before the node is reported unreachable.
   */
  private Future<JsonObject> ask(String name, boolean retry) {
    return vertx.eventBus()
        .<JsonObject>request(address(name), new JsonObject(), new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MS))
        .map(m -> m.body())
        .recover(e -> retry && e instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS
            ? vertx.timer(NO_HANDLERS_RETRY_MS).compose(v -> ask(name, false))
            : Future.failedFuture(e));
  }

  private Future<AsyncMap<String, String>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }
}
