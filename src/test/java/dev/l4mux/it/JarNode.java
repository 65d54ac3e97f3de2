package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.ExternalProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** An l4mux node running from the real jar as its own process ({@code env} execs java: the PID is the JVM's). */
final class JarNode implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final int adminPort;
  private final ExternalProcess process;

  private JarNode(String name, int adminPort, ExternalProcess process) {
    this.name = name;
    this.adminPort = adminPort;
    this.process = process;
  }

  /** Starts {@code java -jar l4mux.jar args} with the given node name, admin port and extra environment. */
  static JarNode start(String name, int adminPort, List<String> env, List<String> args) {
    return start(name, adminPort, env, args, null);
  }

  /** As {@link #start(String, int, List, List)}, in {@code workingDirectory} (null: this one). */
  static JarNode start(String name, int adminPort, List<String> env, List<String> args, java.nio.file.Path workingDirectory) {
    List<String> command = new ArrayList<>(List.of("env", "-u", "L4MUX_CONFIG"));
    if (workingDirectory != null) {
      command.addAll(List.of("-C", workingDirectory.toString()));
    }
    command.add("L4MUX_NODE_NAME=" + name);
    command.add("L4MUX_ADMIN_LISTEN=127.0.0.1:" + adminPort);
    command.addAll(env);
    command.addAll(List.of(javaBinary(), "-jar", jar().toString()));
    command.addAll(args);
    return new JarNode(name, adminPort, ExternalProcess.start(command, new byte[0], Duration.ofMinutes(5)));
  }

  String name() {
    return name;
  }

  int adminPort() {
    return adminPort;
  }

  ExternalProcess process() {
    return process;
  }

  /** Waits for {@code /ready} to answer 200. */
  void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      assertTrue(process.isAlive(), () -> name + " exited: " + process.stderr());
      try {
        if (get("/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError(name + " not ready within " + timeout + "\n" + process.stderr());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> put(String path, String body) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The active configuration's version number, or -1 when the node does not answer. */
  long configVersion() {
    try {
      return new JsonObject(get("/api/config").body()).getLong("version");
    } catch (Exception e) {
      return -1;
    }
  }

  JsonObject config() throws IOException, InterruptedException {
    return new JsonObject(get("/api/config").body());
  }

  /** Sum of a metric's samples matching the label fragments. */
  double metric(String name, String... labels) throws IOException, InterruptedException {
    return MetricsText.sum(get("/metrics").body(), name, labels);
  }

  /** SIGKILL: the node gets no chance to leave the cluster. */
  void kill() throws InterruptedException {
    ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (ProcessHandle.of(process.pid()).map(ExternalProcess::isRunning).orElse(false) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + adminPort + path);
  }

  @Override
  public void close() {
    process.close();
  }

  static String javaBinary() {
    return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  static Path jar() {
    String property = System.getProperty("l4mux.jar");
    assertTrue(property != null, "system property l4mux.jar is not set (failsafe sets it)");
    Path jar = Path.of(property);
    assertTrue(Files.isRegularFile(jar), "no jar at " + jar + " (run through failsafe after package)");
    return jar;
  }
}
