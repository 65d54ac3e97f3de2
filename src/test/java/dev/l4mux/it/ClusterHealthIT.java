package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Two node processes from the jar with {@code -cluster} (real Hazelcast on 127.0.0.1): each node's
 * active-health verdicts travel on {@code l4mux.health.changed}, so each node's {@code /api/routes}
 * shows, per backend, what every node concluded ({@code nodes}, keyed {@code node/check}). A backend
 * that dies flips on each node, and the other node's view shows that node's flip with its reason.
 */
class ClusterHealthIT {

  private static final Duration READY = Duration.ofSeconds(120); // a Hazelcast join on a loaded 2-cpu machine can take a minute
  private static final Duration FLIP = Duration.ofSeconds(20);

  @Test
  void aHealthFlipOnOneNodeShowsInTheOtherNodesRoutes() throws Exception {
    Vertx backends = Vertx.vertx();
    List<JarNode> nodes = new ArrayList<>();
    boolean passed = false;
    try {
      TaggedBackend checked = TaggedBackends.tcpEcho(backends, "checked").await(10, TimeUnit.SECONDS);
      Path dir = Files.createTempDirectory("l4mux-cluster-health");
      Path clusterXml = dir.resolve("cluster.xml");
      Files.writeString(clusterXml, ClusterIT.clusterXml(ClusterIT.consecutiveFreePorts(3)));
      Path config = dir.resolve("l4mux.yaml");
      Files.writeString(config, """
          listeners:
            - { name: edge, bind: ["127.0.0.1:%d"] }
          routes:
            - name: app
              match: { protocol: unknown }
              backends: [ { address: "127.0.0.1:%d" } ]
              health: { kind: tcp, interval: 300ms, timeout: 200ms, rise: 1, fall: 2 }
          """.formatted(ClusterIT.portOutsideTheEphemeralRange(), checked.port()));
      String backend = "127.0.0.1:" + checked.port();
      nodes.add(start("h1", clusterXml, List.of("-conf", config.toString())));
      JarNode first = nodes.get(0);
      first.awaitReady(READY);
      // h1 has published its first verdict before h2 exists: h2 still has to learn it (a node
      // heard from for the first time makes the others publish their verdicts again).
      awaitOpinions(first, backend, o -> up(o, "h1/tcp"));
      nodes.add(start("h2", clusterXml, List.of("-conf", "{}")));
      JarNode second = nodes.get(1);
      second.awaitReady(READY);

      JsonObject seenBySecond = awaitOpinions(second, backend, o -> up(o, "h1/tcp") && up(o, "h2/tcp"));
      assertEquals(2, seenBySecond.size(), seenBySecond::encodePrettily);

      checked.close().await(10, TimeUnit.SECONDS); // the backend dies: each node's checks fail
      JsonObject afterFlip = awaitOpinions(second, backend, o -> down(o, "h1/tcp"));
      String reason = afterFlip.getJsonObject("h1/tcp").getString("reason");
      assertNotNull(reason, afterFlip::encodePrettily);
      assertTrue(reason.contains("refused") || reason.contains("connect"), "the first node's reason, as it published it: " + reason);
      assertTrue(afterFlip.getJsonObject("h1/tcp").getLong("at") > 0);
      JsonObject firstsOwnView = awaitOpinions(first, backend, o -> down(o, "h1/tcp") && down(o, "h2/tcp"));
      assertEquals(2, firstsOwnView.size(), "and the first node sees the second's flip: " + firstsOwnView.encodePrettily());
      passed = true;
    } finally {
      for (JarNode node : nodes) {
        if (!passed) { // what the nodes said, to tell a slow join from a fault
          System.out.println("--- node " + node.name() + ":\n" + node.process().stdout() + node.process().stderr());
        }
        node.close();
      }
      backends.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static JarNode start(String name, Path clusterXml, List<String> confArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("-cluster"));
    args.addAll(confArgs);
    return JarNode.start(name, ClusterIT.portOutsideTheEphemeralRange(), List.of("L4MUX_CLUSTER_CONFIG=" + clusterXml), args);
  }

  private static boolean up(JsonObject opinions, String key) {
    JsonObject o = opinions.getJsonObject(key);
    return o != null && o.getBoolean("up");
  }

  private static boolean down(JsonObject opinions, String key) {
    JsonObject o = opinions.getJsonObject(key);
    return o != null && !o.getBoolean("up");
  }

  /** Polls the node's {@code /api/routes} until the backend's {@code nodes} satisfy {@code wanted}. */
  private static JsonObject awaitOpinions(JarNode node, String backend, Predicate<JsonObject> wanted) throws Exception {
    long deadline = System.nanoTime() + FLIP.toNanos();
    JsonObject opinions = new JsonObject();
    while (System.nanoTime() < deadline) {
      opinions = opinionsOf(node, backend);
      if (wanted.test(opinions)) {
        return opinions;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(node.name() + "'s /api/routes within " + FLIP + ": " + opinions.encodePrettily());
  }

  private static JsonObject opinionsOf(JarNode node, String backend) throws Exception {
    JsonObject routes = new JsonObject(node.get("/api/routes").body());
    for (Object r : routes.getJsonArray("routes")) {
      for (Object b : ((JsonObject) r).getJsonArray("backends")) {
        JsonObject json = (JsonObject) b;
        if (backend.equals(json.getString("address"))) {
          return json.getJsonObject("nodes", new JsonObject());
        }
      }
    }
    return new JsonObject();
  }
}
