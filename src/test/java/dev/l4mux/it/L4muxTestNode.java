package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.l4mux.NetworkTransport;
import dev.l4mux.NodeState;
import dev.l4mux.RootVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One l4mux node running in the test JVM on its own Vert.x instance, from a YAML file it writes
 * (watched, with a short scan period so reload tests are quick).
 */
public final class L4muxTestNode implements AutoCloseable {

  private final Vertx vertx;
  private final RootVerticle root;
  private final Path configFile;

  private L4muxTestNode(Vertx vertx, RootVerticle root, Path configFile) {
    this.vertx = vertx;
    this.root = root;
    this.configFile = configFile;
  }

  /** Starts a node on {@code yaml}; fails (with the config errors) if it does not start. */
  public static L4muxTestNode start(String yaml) throws Exception {
    return start(yaml, new VertxOptions());
  }

  /** Starts a node on {@code yaml} with these Vert.x options (for instance a number of event loops). */
  public static L4muxTestNode start(String yaml, VertxOptions options) throws Exception {
    Path dir = Files.createTempDirectory("l4mux-it");
    Path file = dir.resolve("l4mux.yaml");
    Files.writeString(file, yaml);
    // The transport a launched node would choose (io_uring, epoll or NIO), not Vert.x's NIO default.
    Vertx vertx = NetworkTransport.vertxBuilder(options).build();
    RootVerticle root = new RootVerticle();
    JsonObject conf = new JsonObject().put("l4mux.configPath", file.toString()).put("l4mux.scanPeriodMs", 200);
    try {
      vertx.deployVerticle(root, new DeploymentOptions().setConfig(conf)).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close().await(10, TimeUnit.SECONDS);
      throw e;
    }
    return new L4muxTestNode(vertx, root, file);
  }

  public Vertx vertx() {
    return vertx;
  }

  public NodeState state() {
    return root.state();
  }

  /** The first port a listener bound. */
  public int port(String listener) {
    return state().boundPorts(listener).get(0);
  }

  public int adminPort() {
    return root.adminPort();
  }

  public Path configFile() {
    return configFile;
  }

  /** Rewrites the watched config file. */
  public void rewriteConfig(String yaml) throws IOException {
    Path tmp = configFile.resolveSibling("l4mux.yaml.tmp");
    Files.writeString(tmp, yaml);
    Files.move(tmp, configFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** GET on the admin server; returns status and body. */
  public HttpResponse<String> admin(String path) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort() + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Sum of l4mux_connections_active over all label sets, read from /metrics. */
  public double activeConnectionsMetric() throws IOException, InterruptedException {
    return MetricsText.sum(admin("/metrics").body(), "l4mux_connections_active");
  }

  /**
   * Waits up to {@code wait} until {@code l4mux_connections_active} (summed over every label set on
   * /metrics), the connection registry and the open relayed sockets ({@code l4mux_sockets_open})
   * are all 0, then asserts each, naming the connections still registered.
   */
  public void assertNoConnectionLeft(Duration wait) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    double active;
    int registered;
    long sockets;
    do {
      active = activeConnectionsMetric();
      registered = state().connections().size();
      sockets = state().metrics().socketsOpen();
      if (active == 0 && registered == 0 && sockets == 0) {
        break;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    String left = "; still registered: " + state().connections().all().stream()
        .limit(5).map(c -> c.snapshot().toString()).toList();
    assertEquals(0.0, active, "l4mux_connections_active summed over all labels" + left);
    assertEquals(0, registered, "connections still in the registry" + left);
    assertEquals(0, sockets, "l4mux_sockets_open: relayed sockets (file descriptors) still open" + left);
  }

  @Override
  public void close() {
    try {
      vertx.close().await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node did not stop", e);
    }
  }
}
