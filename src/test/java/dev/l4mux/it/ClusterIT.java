package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.Lines;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three node processes from the jar with {@code -cluster} (real Hazelcast on 127.0.0.1) share one
 * versioned configuration: a push to one node is active on all, a killed node takes nothing with
 * it and catches up when it restarts without a configuration file, concurrent pushes converge.
 * The nodes share the proxy port through SO_REUSEPORT.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  private static final Duration READY = Duration.ofSeconds(60);
  private static Vertx backends;
  private static TaggedBackend blue;
  private static TaggedBackend green;
  private static Path clusterXml;
  private static int proxyPort;
  private static final List<JarNode> nodes = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    backends = Vertx.vertx();
    blue = TaggedBackends.tcpGreeting(backends, "blue").await(10, TimeUnit.SECONDS);
    green = TaggedBackends.tcpGreeting(backends, "green").await(10, TimeUnit.SECONDS);
    proxyPort = portOutsideTheEphemeralRange();
    Path dir = Files.createTempDirectory("l4mux-cluster");
    clusterXml = dir.resolve("cluster.xml");
    Files.writeString(clusterXml, clusterXml(consecutiveFreePorts(3)));
    Path config = dir.resolve("l4mux.yaml");
    Files.writeString(config, config(blue.port()));
    nodes.add(startNode("n1", List.of("-conf", config.toString())));
    nodes.add(startNode("n2", List.of("-conf", "{}")));
    nodes.add(startNode("n3", List.of("-conf", "{}")));
    for (JarNode node : nodes) {
      node.awaitReady(READY);
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    Path logs = Path.of(System.getProperty("l4mux.jar", "target/x")).resolveSibling("cluster-it");
    Files.createDirectories(logs);
    for (JarNode node : nodes) {
      Files.writeString(logs.resolve(node.name() + ".log"), node.process().stdout() + node.process().stderr());
    }
    System.out.println("node logs in " + logs);
    nodes.forEach(JarNode::close);
    if (backends != null) {
      backends.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Order(1)
  void everyNodeServesTheFirstNodesConfiguration() throws Exception {
    for (JarNode node : nodes) {
      assertEquals(1, node.configVersion(), node.name());
    }
    assertEquals("blue", tagThroughProxy());
    // Just after the joins, event-bus subscriptions may still be spreading: allow a few seconds.
    JsonObject cluster = new JsonObject(nodes.get(1).get("/api/cluster").body());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (cluster.getBoolean("partial") && System.nanoTime() < deadline) {
      Thread.sleep(200);
      cluster = new JsonObject(nodes.get(1).get("/api/cluster").body());
    }
    assertEquals(3, cluster.getJsonArray("nodes").size(), cluster::encodePrettily);
    assertEquals(false, cluster.getBoolean("partial"), cluster::encodePrettily);
  }

  @Test
  @Order(2)
  void aPushToOneNodeIsActiveOnAllWithinTwoSeconds() throws Exception {
    long before = nodes.get(0).configVersion();
    var answer = nodes.get(0).put("/api/config", config(green.port()));
    assertEquals(200, answer.statusCode(), answer.body());
    long version = new JsonObject(answer.body()).getLong("version");
    assertTrue(version > before);
    long everywhereMs = awaitVersionEverywhere(version, Duration.ofSeconds(10));
    System.out.println("configuration version " + version + " active on all 3 nodes after " + everywhereMs + " ms");
    assertTrue(everywhereMs < 2000, "took " + everywhereMs + " ms");
    // Connections through the shared port, spread over the nodes by the kernel, all follow it.
    for (int i = 0; i < 30; i++) {
      assertEquals("green", tagThroughProxy());
    }
    for (JarNode node : nodes) {
      assertTrue(node.metric("l4mux_connections_total", "route=\"app\"", "outcome=\"forwarded\"") >= 1,
          node.name() + " served no connection (SO_REUSEPORT spreads them)");
    }
  }

  @Test
  @Order(3)
  void aKilledNodeTakesNothingWithItAndCatchesUpOnRestart() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger served = new AtomicInteger();
    Thread traffic = new Thread(() -> {
      while (running.get()) {
        try {
          if ("green".equals(tagThroughProxy())) {
            served.incrementAndGet();
          }
        } catch (Exception | AssertionError landedOnTheKilledNode) {
          // counted below from the survivors' own metrics
        }
      }
    }, "cluster-traffic");
    traffic.start();
    Thread.sleep(500);
    JarNode victim = nodes.get(2);
    victim.kill();
    int servedAtKill = served.get();
    Thread.sleep(2000);
    running.set(false);
    traffic.join(10_000);
    assertTrue(served.get() > servedAtKill, "the survivors kept serving");
    for (JarNode survivor : nodes.subList(0, 2)) {
      assertEquals(0.0, survivor.metric("l4mux_connections_total", "outcome=\"failed\""), survivor.name());
      assertEquals(0.0, survivor.metric("l4mux_rejections_total"), survivor.name());
    }
    long current = nodes.get(0).configVersion();
    JarNode restarted = startNode("n3", List.of("-conf", "{}"));
    nodes.set(2, restarted);
    restarted.awaitReady(READY);
    assertEquals(current, restarted.configVersion(), "serves the current version as soon as it is ready");
    assertEquals(green.port() + "", backendPort(restarted));
  }

  @Test
  @Order(4)
  void concurrentPushesConvergeOnOneVersion() throws Exception {
    Thread a = new Thread(() -> push(nodes.get(0), blue.port()));
    Thread b = new Thread(() -> push(nodes.get(1), green.port()));
    a.start();
    b.start();
    a.join();
    b.join();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (converged()) {
        break;
      }
      Thread.sleep(100);
    }
    assertTrue(converged(), "nodes ended on different versions");
    String backend = backendPort(nodes.get(0));
    for (JarNode node : nodes) {
      assertEquals(backend, backendPort(node), node.name());
    }
  }

  private static boolean converged() throws Exception {
    JsonObject first = nodes.get(0).config();
    for (JarNode node : nodes) {
      JsonObject c = node.config();
      if (!c.getLong("version").equals(first.getLong("version")) || !c.getString("versionNode").equals(first.getString("versionNode"))) {
        return false;
      }
    }
    return true;
  }

  private static void push(JarNode node, int backendPort) {
    try {
      assertEquals(200, node.put("/api/config", config(backendPort)).statusCode());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String backendPort(JarNode node) throws Exception {
    String address = node.config().getJsonObject("config").getJsonArray("routes").getJsonObject(0)
        .getJsonArray("backends").getJsonObject(0).getString("address");
    return address.substring(address.lastIndexOf(':') + 1);
  }

  private static long awaitVersionEverywhere(long version, Duration timeout) throws Exception {
    long started = System.nanoTime();
    while (System.nanoTime() - started < timeout.toNanos()) {
      if (nodes.stream().allMatch(n -> n.configVersion() >= version)) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      }
      Thread.sleep(10);
    }
    throw new AssertionError("version " + version + " not everywhere within " + timeout);
  }

  private static JarNode startNode(String name, List<String> confArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("-cluster"));
    args.addAll(confArgs);
    return JarNode.start(name, portOutsideTheEphemeralRange(), List.of("L4MUX_CLUSTER_CONFIG=" + clusterXml), args);
  }

  /** Sends a line through the shared proxy port and returns the backend's greeting tag. */
  private static String tagThroughProxy() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", proxyPort)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write("hi\n".getBytes(StandardCharsets.UTF_8));
      return Lines.readLine(socket.getInputStream());
    }
  }


  private static String config(int backendPort) {
    return """
        listeners:
          - { name: shared, bind: ["127.0.0.1:%d"] }
        routes:
          - name: app
            match: { protocol: unknown }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(proxyPort, backendPort);
  }

  /** The shipped cluster.xml with the member ports moved to free ones. */
  static String clusterXml(int firstPort) throws Exception {
    String shipped = Files.readString(Path.of(System.getProperty("l4mux.projectDir", "."), "cluster", "cluster.xml"));
    return shipped
        .replace(">5701</port>", ">" + firstPort + "</port>")
        .replace("127.0.0.1:5701", "127.0.0.1:" + firstPort)
        .replace("127.0.0.1:5702", "127.0.0.1:" + (firstPort + 1))
        .replace("127.0.0.1:5703", "127.0.0.1:" + (firstPort + 2))
        .replace("<cluster-name>l4mux</cluster-name>", "<cluster-name>l4mux-it-" + firstPort + "</cluster-name>");
  }

  /**
   * A free port below Linux's ephemeral range (32768+): between our check and the node's bind, an
   * ephemeral port could be taken by any outgoing connection (Hazelcast opens many).
   */
  static int portOutsideTheEphemeralRange() throws Exception {
    return freePortBlock(1, 26_000, 32_000);
  }

  /** Hazelcast's member ports come from their own range, so no other port chosen here can collide. */
  static int consecutiveFreePorts(int count) throws Exception {
    return freePortBlock(count, 20_000, 26_000);
  }

  private static int freePortBlock(int count, int from, int to) throws Exception {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(from, to - count - 10);
      boolean free = true;
      for (int p = base; p < base + count + 10 && free; p++) {
        try {
          new ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress()).close();
        } catch (java.io.IOException taken) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no free port block");
  }
}
