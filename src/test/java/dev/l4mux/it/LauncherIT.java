package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.Ports;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar as users run it (CONTRACT section 2): {@code java -jar l4mux.jar} in a separate
 * process, with {@code validate}, {@code -conf} (YAML file, inline JSON, missing or invalid file),
 * {@code --help}, the {@code L4MUX_*} environment variables, the bundled {@code conf/l4mux.yaml},
 * hot reload of the watched file, and SIGTERM draining.
 *
 * <p>Failsafe passes {@code l4mux.jar} (the jar) and {@code l4mux.projectDir}.
 */
class LauncherIT {

  private static final Duration READY_WITHIN = Duration.ofSeconds(20);
  private static final Duration EXIT_WITHIN = Duration.ofSeconds(20);
  private static final Duration DRAIN_EXIT_WITHIN = Duration.ofSeconds(40);
  private static final Duration PROCESS_DEADLINE = Duration.ofSeconds(90);
  /** Environment variables of the test JVM that would change what the jar does. */
  private static final List<String> L4MUX_ENV = List.of("L4MUX_CONFIG", "L4MUX_ADMIN_LISTEN", "L4MUX_NODE_NAME");
  /** Fields every access log line carries (CONTRACT section 6). */
  private static final List<String> ACCESS_LOG_FIELDS = List.of(
      "ts", "id", "listener", "client", "realClient", "protocol", "sni", "alpn", "host", "route", "backend",
      "bytesUp", "bytesDown", "sniffMs", "connectMs", "durationMs", "closeReason");

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path dir;

  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private EchoBackend echo;

  @BeforeEach
  void startEchoBackend() throws IOException {
    echo = EchoBackend.start();
    cleanup.add(echo);
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  // ---------------------------------------------------------------------------------- validate

  @Test
  void validateAcceptsAValidFile() throws IOException {
    Path file = write("valid.yaml", proxyConfig(Ports.freePort(), Ports.freePort(), "5s"));

    ExternalProcess.Result r = run(List.of("validate", file.toString()));

    assertEquals(0, r.exitCode(), describe(r));
    assertTrue(r.stdout().contains("valid"), describe(r));
  }

  // ---------------------------------------------------------------------------------- train

  @Test
  void trainDrivesConnectionsThroughALoopbackNodeThenExits() {
    ExternalProcess.Result r = run(List.of("train", "2"));

    assertEquals(0, r.exitCode(), describe(r));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("l4mux train: (\\d+) connections in 2 s").matcher(r.stdout());
    assertTrue(m.find(), describe(r));
    assertTrue(Long.parseLong(m.group(1)) > 0, "connections echoed through the node\n" + describe(r));
    assertFalse(r.stdout().contains("\"closeReason\""), "no access log line per training connection\n" + describe(r));
  }

  @Test
  void trainRejectsADurationThatIsNotANumberOfSeconds() {
    ExternalProcess.Result r = run(List.of("train", "soon"));

    assertEquals(2, r.exitCode(), describe(r));
    assertTrue(r.stderr().contains("usage: java -jar l4mux.jar train [SECONDS]"), describe(r));
  }

  @Test
  void validateRejectsAnInvalidFileWithOneLinePerError() throws IOException {
    Path file = write("invalid.yaml", """
        admin: { listen: "127.0.0.1:9900" }
        defaults:
          timeouts: { sniff: 5 }
        listeners:
          - name: edge
            bind: ["127.0.0.1:8443"]
            fallback: nowhere
        routes:
          - name: all
            backends: [ { address: "127.0.0.1" } ]
        """);

    ExternalProcess.Result r = run(List.of("validate", file.toString()));

    assertEquals(1, r.exitCode(), describe(r));
    List<String> lines = r.stdout().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(3, lines.size(), "one line per error\n" + describe(r));
    for (String line : lines) {
      assertTrue(line.matches("\\S+: \\S.*"), "not 'path: message': " + line);
    }
    Set<String> paths = lines.stream().map(l -> l.substring(0, l.indexOf(": "))).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(
        new TreeSet<>(List.of("defaults.timeouts.sniff", "listeners[0].fallback", "routes[0].backends[0].address")),
        paths,
        describe(r));
  }

  // --------------------------------------------------------------- -conf FILE.yaml, drain, logs

  @Test
  void confYamlFileServesRelaysAndDrainsOnSigterm() throws Exception {
    int admin = Ports.freePort();
    int listener = Ports.freePort();
    Path file = write("l4mux.yaml", proxyConfig(admin, listener, "5s"));
    ExternalProcess node = start(List.of("-conf", file.toString()), List.of());

    awaitReady(node, admin);
    String reply = relay(listener, "hello through l4mux");
    assertEquals("hello through l4mux", reply);

    JsonObject line = awaitAccessLogLine(node, json -> "all".equals(json.getString("route")));
    assertAccessLogLine(line, listener, "hello through l4mux".length());

    HttpResponse<String> metrics = get(admin, "/metrics").orElseThrow(() -> new AssertionError("/metrics did not answer"));
    assertEquals(200, metrics.statusCode());
    assertTrue(
        metrics.body().lines().anyMatch(l -> l.startsWith("l4mux_connections_total{") && l.contains("route=\"all\"")
            && l.contains("outcome=\"forwarded\"")),
        "no forwarded l4mux_connections_total sample for route all:\n" + metrics.body());

    // A connection still open when SIGTERM arrives: drain lets it finish.
    try (Socket open = connect(listener)) {
      assertEquals("before", exchange(open, "before"));
      long accessLinesBefore = accessLogLines(node.stdout()).size();

      sigterm(node);

      awaitNotReady(node, admin);
      awaitNotListening(listener, Duration.ofSeconds(10));
      assertEquals("during-drain", exchange(open, "during-drain"), "an open connection keeps relaying while draining");
      open.shutdownOutput();
      assertEquals(-1, open.getInputStream().read(), "the backend's end of the drained connection arrives");

      ExternalProcess.Result r = node.await(DRAIN_EXIT_WITHIN);
      List<JsonObject> after = accessLogLines(r.stdout());
      assertAll(
          () -> assertEquals(0, r.exitCode(), "SIGTERM drains and exits 0 (CONTRACT section 2)\n" + describe(r)),
          () -> assertTrue(after.size() > accessLinesBefore,
              "the connection that finished during the drain has an access log line\n" + describe(r)));
    }
    assertTrue(get(admin, "/ready").isEmpty(), "/ready still answers after exit");
  }

  @Test
  void environmentSelectsConfigAdminAddressAndNodeName() throws Exception {
    int configuredAdmin = Ports.freePort();
    int overriddenAdmin = Ports.freePort();
    int listener = Ports.freePort();
    Path file = write("env.yaml", proxyConfig(configuredAdmin, listener, "1s"));
    ExternalProcess node = start(List.of(), List.of(
        "L4MUX_CONFIG=" + file,
        "L4MUX_ADMIN_LISTEN=127.0.0.1:" + overriddenAdmin,
        "L4MUX_NODE_NAME=n1"));

    awaitReady(node, overriddenAdmin);
    assertFalse(Ports.isListening(configuredAdmin), "L4MUX_ADMIN_LISTEN overrides admin.listen, yet the file's port listens");
    JsonObject config = new JsonObject(get(overriddenAdmin, "/api/config").orElseThrow().body());
    assertTrue(config.getJsonObject("config").encode().contains("127.0.0.1:" + listener),
        "the active config is the file named by L4MUX_CONFIG: " + config);

    assertEquals("env", relay(listener, "env"));
    JsonObject line = awaitAccessLogLine(node, json -> "all".equals(json.getString("route")));
    assertEquals("n1", line.getString("node"), "L4MUX_NODE_NAME in the access log: " + line);
    assertTrue(node.stdout().contains("\"node\":\"n1\""), node.stdout());
  }

  @Test
  void confAcceptsInlineJson() {
    int admin = Ports.freePort();
    ExternalProcess node = start(List.of("-conf", "{\"admin\":{\"listen\":\"127.0.0.1:" + admin + "\"}}"), List.of());

    awaitReady(node, admin);
    JsonObject config = new JsonObject(get(admin, "/api/config").orElseThrow().body());
    assertEquals(1L, config.getLong("version"), config.encode());
    assertEquals("127.0.0.1:" + admin, config.getJsonObject("config").getJsonObject("admin").getString("listen"), config.encode());
  }

  @Test
  void confWithAMissingFileFailsNamingTheFile() {
    Path missing = dir.resolve("missing.yaml");

    ExternalProcess.Result r = run(List.of("-conf", missing.toString()));

    assertNotEquals(0, r.exitCode(), describe(r));
    assertTrue((r.stdout() + r.stderr()).contains(missing.toString()), "the message names " + missing + "\n" + describe(r));
  }

  @Test
  void confWithAnInvalidFileFailsNamingTheErrorPath() throws IOException {
    int admin = Ports.freePort();
    Path file = write("invalid.yaml", """
        admin: { listen: "127.0.0.1:%d" }
        listeners:
          - { name: edge, bind: ["127.0.0.1:%d"], fallback: nowhere }
        routes: []
        """.formatted(admin, Ports.freePort()));

    ExternalProcess.Result r = run(List.of("-conf", file.toString()));

    assertNotEquals(0, r.exitCode(), describe(r));
    assertTrue((r.stdout() + r.stderr()).contains("listeners[0].fallback"), "the log names the error path\n" + describe(r));
    assertFalse(Ports.isListening(admin), "an invalid config must not start the admin server");
  }

  @Test
  void helpListsTheLauncherOptions() {
    ExternalProcess.Result r = run(List.of("--help"));

    String out = r.stdout() + r.stderr();
    assertTrue(out.contains("Usage"), describe(r));
    assertTrue(out.contains("-conf"), "help lists -conf\n" + describe(r));
    assertTrue(out.contains("-cluster"), "help lists -cluster\n" + describe(r));
  }

  @Test
  void readmeFirstCommandRunsTheBundledConfig() {
    Path project = Path.of(requiredProperty("l4mux.projectDir"));
    assertTrue(Files.isRegularFile(project.resolve("conf/l4mux.yaml")), "no conf/l4mux.yaml in " + project);
    for (int port : new int[] {9900, 8443}) {
      if (Ports.isListening(port) || !bindable(port)) {
        fail("port 127.0.0.1:" + port + " is busy (conf/l4mux.yaml needs 9900 and 8443): stop whatever uses it and rerun");
      }
    }
    ExternalProcess node = start(project, List.of(), List.of());

    awaitReady(node, 9900);
    assertTrue(Ports.isListening(8443), "listener edge on 127.0.0.1:8443");
    assertTrue(node.stderr().contains(project.resolve("conf/l4mux.yaml").toString()),
        "the log names the bundled config\n" + describe(node));
  }

  // ---------------------------------------------------------------------------------- reload

  @Test
  void editsOfTheWatchedFileApplyWhenValidAndAreLoggedWhenInvalid() throws Exception {
    int admin = Ports.freePort();
    int listener = Ports.freePort();
    Path file = write("watched.yaml", proxyConfig(admin, listener, "1s"));
    ExternalProcess node = start(List.of("-conf", file.toString()), List.of());
    awaitReady(node, admin);
    assertEquals(1L, configVersion(admin));

    replace(file, proxyConfig(admin, listener, "1s").replace("name: all", "name: edited"));
    awaitVersion(admin, 2, Duration.ofSeconds(3), node);
    JsonObject active = new JsonObject(get(admin, "/api/config").orElseThrow().body());
    assertTrue(active.getJsonObject("config").encode().contains("\"edited\""), "the edit is active: " + active);

    replace(file, proxyConfig(admin, listener, "1s").replace("fallback: reject", "fallback: nowhere"));
    assertTrue(node.awaitStderr(err -> err.contains("listeners[0].fallback"), Duration.ofSeconds(5)),
        "the invalid edit is logged with its path\n" + describe(node));
    assertEquals(2L, configVersion(admin), "an invalid edit keeps the running version");
    assertEquals(200, get(admin, "/ready").orElseThrow().statusCode());
    assertEquals("still routed", relay(listener, "still routed"));
  }

  // --------------------------------------------------------------------------------- helpers

  /** A listener {@code edge} on {@code listener} with a catch-all route {@code all} to the echo backend. */
  private String proxyConfig(int admin, int listener, String drain) {
    return """
        admin: { listen: "127.0.0.1:%d" }
        defaults:
          timeouts: { drain: %s, connect: 2s }
        listeners:
          - name: edge
            bind: ["127.0.0.1:%d"]
            fallback: reject
        routes:
          - name: all
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(admin, drain, listener, echo.port());
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  /** Replaces the file's content atomically, so the watcher never reads a half-written file. */
  private void replace(Path file, String text) throws IOException {
    Path tmp = Files.writeString(dir.resolve(file.getFileName() + ".tmp"), text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private ExternalProcess start(List<String> args, List<String> env) {
    return start(null, args, env);
  }

  /**
   * Starts {@code java -jar l4mux.jar args} with the {@code L4MUX_*} variables cleared, then
   * {@code env} ({@code NAME=value}) set, in {@code workDir} (null: the test's own). {@code env}
   * execs java, so the process's PID is the JVM's and SIGTERM reaches it directly.
   */
  private ExternalProcess start(Path workDir, List<String> args, List<String> env) {
    List<String> command = new ArrayList<>(List.of("env"));
    L4MUX_ENV.forEach(name -> command.addAll(List.of("-u", name)));
    if (workDir != null) {
      command.add("--chdir=" + workDir);
    }
    command.addAll(env);
    command.addAll(List.of(javaBinary(), "-jar", jar().toString()));
    command.addAll(args);
    ExternalProcess p = ExternalProcess.start(command, new byte[0], PROCESS_DEADLINE);
    cleanup.add(p);
    return p;
  }

  /** Runs the jar to completion (it must exit within {@link #EXIT_WITHIN}). */
  private ExternalProcess.Result run(List<String> args) {
    return start(args, List.of()).await(EXIT_WITHIN);
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static Path jar() {
    Path jar = Path.of(requiredProperty("l4mux.jar"));
    assertTrue(Files.isRegularFile(jar), "no jar at " + jar + " (run through failsafe after package)");
    return jar;
  }

  private static String requiredProperty(String name) {
    String value = System.getProperty(name);
    assertNotNull(value, "system property " + name + " is not set (failsafe sets it)");
    return value;
  }

  private static void sigterm(ExternalProcess p) {
    ProcessHandle handle = ProcessHandle.of(p.pid()).orElseThrow(() -> new AssertionError("process already gone"));
    assertTrue(handle.destroy(), "SIGTERM could not be sent");
  }

  private static void awaitReady(ExternalProcess p, int adminPort) {
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    Optional<HttpResponse<String>> last = Optional.empty();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        fail("l4mux exited before /ready answered 200\n" + describe(p));
      }
      last = get(adminPort, "/ready");
      if (last.isPresent() && last.get().statusCode() == 200) {
        return;
      }
      pause(100);
    }
    fail("/ready on " + adminPort + " did not answer 200 within " + READY_WITHIN + " (last: "
        + last.map(r -> r.statusCode() + " " + r.body()).orElse("no answer") + ")\n" + describe(p));
  }

  /** Waits until {@code /ready} no longer answers 200 (503 while draining, or the server closed). */
  private static void awaitNotReady(ExternalProcess p, int adminPort) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<HttpResponse<String>> r = get(adminPort, "/ready");
      if (r.isEmpty() || r.get().statusCode() != 200) {
        return;
      }
      pause(50);
    }
    fail("/ready still answers 200 five seconds after SIGTERM\n" + describe(p));
  }

  private static void awaitNotListening(int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (Ports.isListening(port)) {
      if (System.nanoTime() > deadline) {
        fail("127.0.0.1:" + port + " still accepts " + timeout + " after SIGTERM");
      }
      pause(50);
    }
  }

  private static long configVersion(int adminPort) {
    HttpResponse<String> r = get(adminPort, "/api/config").orElseThrow(() -> new AssertionError("/api/config did not answer"));
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getLong("version");
  }

  private static void awaitVersion(int adminPort, long version, Duration timeout, ExternalProcess p) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long seen = configVersion(adminPort);
    while (seen != version) {
      if (System.nanoTime() > deadline) {
        fail("config version " + seen + ", expected " + version + " within " + timeout + "\n" + describe(p));
      }
      pause(50);
      seen = configVersion(adminPort);
    }
  }

  /** GET on the admin port; empty when nothing answers. */
  private static Optional<HttpResponse<String>> get(int port, String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(3)).build();
    try {
      return Optional.of(HTTP.send(request, HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    s.setSoTimeout(10_000);
    return s;
  }

  /** One connection through the proxy: send, read the echo, half-close, expect EOF. */
  private static String relay(int port, String text) throws IOException {
    try (Socket s = connect(port)) {
      String reply = exchange(s, text);
      s.shutdownOutput();
      assertEquals(-1, s.getInputStream().read(), "the echo backend's EOF arrives");
      return reply;
    }
  }

  private static String exchange(Socket s, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    s.getOutputStream().write(bytes);
    s.getOutputStream().flush();
    return new String(s.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8);
  }

  private static List<JsonObject> accessLogLines(String stdout) {
    List<JsonObject> lines = new ArrayList<>();
    for (String line : stdout.lines().toList()) {
      if (line.startsWith("{")) {
        try {
          lines.add(new JsonObject(line));
        } catch (DecodeException notJson) {
          // Some other output; the caller's assertions report it.
        }
      }
    }
    return lines;
  }

  private static JsonObject awaitAccessLogLine(ExternalProcess p, Predicate<JsonObject> which) {
    Predicate<String> found = out -> accessLogLines(out).stream().anyMatch(which);
    assertTrue(p.awaitStdout(found, Duration.ofSeconds(5)), "no access log line on stdout\n" + describe(p));
    return accessLogLines(p.stdout()).stream().filter(which).findFirst().orElseThrow();
  }

  private void assertAccessLogLine(JsonObject line, int listenerPort, int bytes) {
    List<String> missing = ACCESS_LOG_FIELDS.stream().filter(f -> !line.containsKey(f)).toList();
    assertTrue(missing.isEmpty(), "access log line lacks " + missing + ": " + line);
    assertAll(
        () -> assertEquals("edge", line.getString("listener"), line.encode()),
        () -> assertTrue(line.getString("client").startsWith("127.0.0.1:"), line.encode()),
        () -> assertNotEquals("127.0.0.1:" + listenerPort, line.getString("client"), "client is the peer, not the listener"),
        () -> assertEquals("all", line.getString("route"), line.encode()),
        () -> assertEquals("127.0.0.1:" + echo.port(), line.getString("backend"), line.encode()),
        () -> assertEquals(bytes, line.getLong("bytesUp"), line.encode()),
        () -> assertEquals(bytes, line.getLong("bytesDown"), line.encode()),
        () -> assertTrue(line.getLong("durationMs") >= 0, line.encode()),
        () -> assertNotNull(line.getString("closeReason"), line.encode()),
        () -> assertNotNull(line.getString("ts"), line.encode()));
  }

  private static String describe(ExternalProcess p) {
    return "--- stdout ---\n" + p.stdout() + "\n--- stderr ---\n" + p.stderr();
  }

  private static String describe(ExternalProcess.Result r) {
    return "exit " + r.exitCode() + "\n--- stdout ---\n" + r.stdout() + "\n--- stderr ---\n" + r.stderr();
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A loopback TCP echo server: a thread per connection, echoes until EOF, then closes. */
  private static final class EchoBackend implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new ArrayList<>();

    private EchoBackend(ServerSocket server) {
      this.server = server;
    }

    static EchoBackend start() throws IOException {
      EchoBackend echo = new EchoBackend(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
      Thread acceptor = new Thread(echo::acceptLoop, "echo-accept");
      acceptor.setDaemon(true);
      acceptor.start();
      return echo;
    }

    int port() {
      return server.getLocalPort();
    }

    private void acceptLoop() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          synchronized (accepted) {
            accepted.add(s);
          }
          Thread t = new Thread(() -> echo(s), "echo-" + s.getPort());
          t.setDaemon(true);
          t.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    private static void echo(Socket s) {
      try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) >= 0; ) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // Peer reset or test over.
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      synchronized (accepted) {
        for (Socket s : accepted) {
          try {
            s.close();
          } catch (IOException ignored) {
            // Closing anyway.
          }
        }
      }
    }
  }
}
