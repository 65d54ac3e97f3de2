package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The container image (docker/Dockerfile, target {@code prebuilt}, from the jar just packaged) on
 * a local Docker engine: built on a Debian base image that docker/debian-base-image.sh makes from
 * Debian's packages (no registry here), run with the host's network on loopback only. The running
 * container serves a multiplexed port and {@code /ready}, turns healthy by its HEALTHCHECK, runs
 * as uid 10001, sizes its heap from the memory limit, drains on {@code docker stop} and exits 0;
 * under a seccomp profile that forbids io_uring it says so once and runs on epoll; and three
 * containers started by docker/compose.yaml (rewritten for the host network, see
 * {@link #composeClusterConvergesOnOneConfigurationVersion}) form one cluster that converges on
 * one configuration version.
 *
 * <p>Needs root and a running dockerd; runs only in the {@code docker} profile ({@code mvn -B
 * verify -Pdocker}, docker/README.md), not in the default build.
 */
class DockerImageIT {

  private static final String BASE_IMAGE = System.getProperty("l4mux.docker.baseImage", "l4mux-it/debian-jre:17");
  private static final String IMAGE = "l4mux-it/l4mux:it";
  private static final int UID = 10001;
  private static final Path PROJECT = Path.of(System.getProperty("l4mux.projectDir", "."));
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final List<String> containers = new ArrayList<>();

  private static Vertx vertx;
  private static TaggedBackend web;
  private static TaggedBackend echo;
  private static Path work;

  @BeforeAll
  static void buildImage() throws Exception {
    ExternalProcess.Result version = docker(Duration.ofSeconds(20), "version", "--format", "{{.Server.Version}}");
    assertEquals(0, version.exitCode(), "no Docker engine answers (start dockerd; docker/README.md):\n" + version.stderr());
    if (docker(Duration.ofSeconds(20), "image", "inspect", BASE_IMAGE).exitCode() != 0) {
      ExternalProcess.Result base = ExternalProcess.run(
          List.of("bash", PROJECT.resolve("docker/debian-base-image.sh").toString(), BASE_IMAGE), new byte[0], Duration.ofMinutes(15));
      assertEquals(0, base.exitCode(), "base image:\n" + base.stderr());
    }
    ExternalProcess.Result build = ExternalProcess.run(List.of("docker", "build", "--network", "host",
        "-f", PROJECT.resolve("docker/Dockerfile").toString(), "--target", "prebuilt",
        "--build-arg", "RUNTIME_IMAGE=" + BASE_IMAGE, "-t", IMAGE, PROJECT.toString()), new byte[0], Duration.ofMinutes(10));
    assertEquals(0, build.exitCode(), "docker build:\n" + build.stdout() + build.stderr());

    vertx = Vertx.vertx();
    web = TaggedBackends.http(vertx, "web").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    echo = TaggedBackends.tcpEcho(vertx, "echo").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    work = Files.createTempDirectory("l4mux-docker-it");
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x")); // readable by uid 10001
  }

  @AfterAll
  static void removeContainers() throws Exception {
    for (String id : containers) {
      docker(Duration.ofSeconds(60), "rm", "-f", id);
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void containerServesIsHealthyRunsAsNonRootAndDrainsOnStop() throws Exception {
    int admin = Ports.freePort();
    int edge = Ports.freePort();
    Path config = config("l4mux.yaml", edge);
    String id = run("--memory", "512m", "-e", "L4MUX_ADMIN_LISTEN=127.0.0.1:" + admin,
        "-v", config + ":/etc/l4mux/l4mux.yaml:ro", IMAGE);

    awaitReady(id, admin);
    assertEquals("web", httpThrough(edge, "www.example.com"), "HTTP by Host through the container");
    assertEquals("raw bytes", exchangeOnce(edge, "raw bytes"), "a raw TCP route through the container");
    assertEquals("UP", new JsonObject(get(admin, "/health").body()).getString("status"));

    await("the HEALTHCHECK reports healthy", Duration.ofSeconds(60),
        () -> inspect(id, "{{.State.Health.Status}}").equals("healthy"));
    assertEquals(UID + ":" + UID, inspect(id, "{{.Config.User}}"));
    assertEquals(String.valueOf(UID), docker(Duration.ofSeconds(20), "exec", id, "id", "-u").stdout().strip(), "the JVM's user");
    String status = docker(Duration.ofSeconds(20), "exec", id, "cat", "/proc/1/status").stdout();
    assertTrue(status.lines().anyMatch(l -> l.matches("Uid:\\s+" + UID + "\\s.*")), "PID 1 (java) runs as " + UID + ":\n" + status);
    assertTrue(status.lines().anyMatch(l -> l.matches("CapEff:\\s+0+")), "no effective capabilities:\n" + status);

    double heap = MetricsText.sum(get(admin, "/metrics").body(), "jvm_memory_max_bytes", "area=\"heap\"", "id=\"G1 Old Gen\"");
    assertTrue(heap > 200 * 1024 * 1024 && heap <= 256 * 1024 * 1024,
        "MaxRAMPercentage=50 of a 512 MiB limit gives a heap of 256 MiB, got " + heap);

    try (Socket open = connect(edge)) {
      assertEquals("before", exchange(open, "before"));
      ExternalProcess stop = ExternalProcess.start(List.of("docker", "stop", "-t", "40", id), new byte[0], Duration.ofMinutes(2));
      await("/ready answers 503 while draining", Duration.ofSeconds(20), () -> readyStatus(admin) == 503);
      assertEquals("during drain", exchange(open, "during drain"), "an open connection keeps relaying while the container drains");
      open.shutdownOutput();
      assertEquals(-1, open.getInputStream().read());
      assertEquals(0, stop.await(Duration.ofSeconds(60)).exitCode());
    }
    assertEquals("0", inspect(id, "{{.State.ExitCode}}"), "SIGTERM drains and exits 0:\n" + logs(id));
    assertTrue(logs(id).contains("drained"), logs(id));
  }

  @Test
  void withoutIoUringTheNodeSaysSoOnceAndRunsOnEpoll() throws Exception {
    int admin = Ports.freePort();
    int edge = Ports.freePort();
    Path config = config("elsewhere.yaml", edge);
    Path profile = work.resolve("seccomp-no-io_uring.json");
    // Docker's default profile forbids io_uring from Docker 25 on (and 20.10 allows it): this one
    // allows everything else and answers EPERM to the io_uring system calls.
    Files.writeString(profile, """
        {"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["io_uring_setup", "io_uring_enter", "io_uring_register"],
                       "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
        """);
    String id = run("--security-opt", "seccomp=" + profile, "-e", "L4MUX_ADMIN_LISTEN=127.0.0.1:" + admin,
        "-e", "L4MUX_CONFIG=/config/elsewhere.yaml", "-v", config + ":/config/elsewhere.yaml:ro", IMAGE);

    awaitReady(id, admin);
    assertEquals("epoll", exchangeOnce(edge, "epoll"), "L4MUX_CONFIG named the file that serves");
    String logs = logs(id);
    assertEquals(1, logs.lines().filter(l -> l.contains("io_uring unavailable")).count(), logs);
    assertTrue(logs.contains("ready on epoll with /config/elsewhere.yaml"), logs);
    docker(Duration.ofSeconds(60), "stop", "-t", "40", id);
    assertEquals("0", inspect(id, "{{.State.ExitCode}}"), logs(id));
  }

  /**
   * The default target: the Maven stage builds the jar inside the build. Needs a Maven image that
   * reaches Maven Central, named by {@code -Dl4mux.docker.buildImage=IMAGE} (e.g. one made by
   * {@code docker/debian-base-image.sh IMAGE openjdk-17-jdk-headless maven}); skipped without it.
   */
  @Test
  void defaultTargetBuildsTheJarInTheMavenStage() {
    String buildImage = System.getProperty("l4mux.docker.buildImage", "");
    org.junit.jupiter.api.Assumptions.assumeFalse(buildImage.isBlank(), "no -Dl4mux.docker.buildImage: the Maven stage is not built");
    ExternalProcess.Result build = ExternalProcess.run(List.of("docker", "build", "--network", "host",
        "-f", PROJECT.resolve("docker/Dockerfile").toString(), "--build-arg", "BUILD_IMAGE=" + buildImage,
        "--build-arg", "RUNTIME_IMAGE=" + BASE_IMAGE, "-t", IMAGE + "-maven", PROJECT.toString()), new byte[0], Duration.ofMinutes(20));
    assertEquals(0, build.exitCode(), "docker build (Maven stage):\n" + build.stdout() + build.stderr());
    ExternalProcess.Result version = docker(Duration.ofSeconds(60), "run", "--rm", IMAGE + "-maven", "--version");
    assertEquals(0, version.exitCode(), version.stderr());
    assertTrue(version.stdout().startsWith("l4mux " + VersionIT.projectVersion() + " "), version.stdout());
  }

  /**
   * docker/compose.yaml as it is, except what the loopback-only rule of this machine needs: each
   * l4mux service on the host's network (no bridge, no published ports), so the service names
   * become 127.0.0.1 with a port each, and a copy of cluster/cluster-lan.xml with a free port
   * range and the loopback interface. The backend services give way to the test's own backends.
   * The member list still comes from L4MUX_CLUSTER_MEMBERS through the launcher.
   */
  @Test
  @SuppressWarnings("unchecked")
  void composeClusterConvergesOnOneConfigurationVersion() throws Exception {
    ExternalProcess.Result composeVersion = ExternalProcess.run(List.of("docker-compose", "version", "--short"), new byte[0], Duration.ofSeconds(30));
    assertEquals(0, composeVersion.exitCode(), "docker-compose (Debian package docker-compose) is needed");

    int hazelcast = freePortBlock(3);
    String members = "127.0.0.1:" + hazelcast + ",127.0.0.1:" + (hazelcast + 1) + ",127.0.0.1:" + (hazelcast + 2);
    String lan = Files.readString(PROJECT.resolve("cluster/cluster-lan.xml"))
        .replace(">5701</port>", ">" + hazelcast + "</port>")
        .replace("</join>", "</join>\n    <interfaces enabled=\"true\"><interface>127.0.0.1</interface></interfaces>");
    Path lanFile = work.resolve("cluster-lan.xml");
    Files.writeString(lanFile, lan);
    int edge = Ports.freePort();
    Path config = config("compose.yaml-l4mux.yaml", edge);

    Map<String, Object> compose = new Yaml().load(Files.readString(PROJECT.resolve("docker/compose.yaml")));
    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    services.remove("http-echo");
    services.remove("tls-backend");
    Map<String, Integer> admins = new LinkedHashMap<>();
    for (String name : List.of("l4mux-1", "l4mux-2", "l4mux-3")) {
      Map<String, Object> service = new LinkedHashMap<>((Map<String, Object>) services.get(name));
      Map<String, Object> env = new LinkedHashMap<>((Map<String, Object>) service.get("environment"));
      int admin = Ports.freePort();
      admins.put(name, admin);
      assertEquals("l4mux-1,l4mux-2,l4mux-3", env.get("L4MUX_CLUSTER_MEMBERS"), "members by service name");
      assertEquals(name, env.get("L4MUX_CLUSTER_HOST"));
      env.put("L4MUX_CLUSTER_MEMBERS", members);
      env.put("L4MUX_CLUSTER_HOST", "127.0.0.1");
      env.put("L4MUX_ADMIN_LISTEN", "127.0.0.1:" + admin);
      env.put("L4MUX_ADMIN_TOKEN", "it-token");
      service.put("environment", env);
      service.remove("ports");
      service.remove("build");
      service.remove("depends_on");
      service.remove("hostname");
      service.put("network_mode", "host");
      service.put("image", IMAGE);
      service.put("volumes", List.of(config + ":/etc/l4mux/l4mux.yaml:ro", lanFile + ":" + env.get("L4MUX_CLUSTER_CONFIG") + ":ro"));
      services.put(name, service);
    }
    compose.keySet().removeIf(key -> key.startsWith("x-"));
    DumperOptions dump = new DumperOptions();
    dump.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    Path composeFile = work.resolve("compose.yaml");
    Files.writeString(composeFile, new Yaml(dump).dump(compose));

    String project = "l4muxit" + ProcessHandle.current().pid();
    List<String> composeCommand = List.of("docker-compose", "-p", project, "-f", composeFile.toString());
    try {
      ExternalProcess.Result up = ExternalProcess.run(concat(composeCommand, "up", "-d", "--no-build"), new byte[0], Duration.ofMinutes(3));
      assertEquals(0, up.exitCode(), "docker-compose up:\n" + up.stdout() + up.stderr());
      // Three clustered JVMs start slowly on a shared 2-core machine (Hazelcast alone: 30-60 s).
      for (Map.Entry<String, Integer> node : admins.entrySet()) {
        awaitOrShow(composeCommand, node.getKey() + " is ready", () -> readyStatus(node.getValue()) == 200);
      }
      int first = admins.get("l4mux-1");
      awaitOrShow(composeCommand, "three nodes in one cluster", () -> clusterSize(first) == 3);

      // A configuration pushed to node 2 becomes every node's.
      String pushed = Files.readString(config).replace("\"raw\"", "\"raw-v2\"");
      HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admins.get("l4mux-2") + "/api/config"))
          .header("Authorization", "Bearer it-token").PUT(HttpRequest.BodyPublishers.ofString(pushed)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, put.statusCode(), put.body());
      long version = new JsonObject(put.body()).getLong("version");
      for (Map.Entry<String, Integer> node : admins.entrySet()) {
        awaitOrShow(composeCommand, node.getKey() + " applies version " + version, () -> configVersion(node.getValue()) == version);
      }
      assertEquals("web", httpThrough(edge, "www.example.com"), "the shared port answers after the push");
    } finally {
      ExternalProcess.Result down = ExternalProcess.run(concat(composeCommand, "down", "-t", "40"), new byte[0], Duration.ofMinutes(3));
      assertEquals(0, down.exitCode(), "docker-compose down:\n" + down.stderr());
    }
  }

  // ------------------------------------------------------------------------------- helpers

  private static Path config(String name, int edge) throws IOException {
    Path file = work.resolve(name);
    Files.writeString(file, """
        defaults:
          timeouts: { drain: 30s }
        listeners:
          - name: edge
            bind: ["127.0.0.1:%d"]
        routes:
          - name: web
            match: { protocol: http, host: ["www.example.com"] }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: "raw"
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(edge, web.port(), echo.port()));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    return file;
  }

  private static String run(String... args) {
    List<String> command = new ArrayList<>(List.of("docker", "run", "-d", "--network", "host"));
    command.addAll(List.of(args));
    ExternalProcess.Result r = ExternalProcess.run(command, new byte[0], Duration.ofMinutes(2));
    assertEquals(0, r.exitCode(), "docker run:\n" + r.stderr());
    String id = r.stdout().strip();
    containers.add(id);
    return id;
  }

  private static ExternalProcess.Result docker(Duration timeout, String... args) {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    return ExternalProcess.run(command, new byte[0], timeout);
  }

  private static String inspect(String id, String format) {
    return docker(Duration.ofSeconds(20), "inspect", "--format", format, id).stdout().strip();
  }

  private static String logs(String id) {
    ExternalProcess.Result r = docker(Duration.ofSeconds(20), "logs", id);
    return r.stdout() + r.stderr();
  }

  private static void awaitReady(String id, int admin) throws InterruptedException {
    await("the container is ready", Duration.ofSeconds(60), () -> {
      assertEquals("true", inspect(id, "{{.State.Running}}"), () -> "the container stopped:\n" + logs(id));
      return readyStatus(admin) == 200;
    });
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout + ": " + what);
      }
      Thread.sleep(250);
    }
  }

  /** Waits up to 4 minutes; on a timeout the failure carries the nodes' logs. */
  private static void awaitOrShow(List<String> compose, String what, BooleanSupplier condition) throws InterruptedException {
    try {
      await(what, Duration.ofMinutes(4), condition);
    } catch (AssertionError e) {
      ExternalProcess.Result logs = ExternalProcess.run(concat(compose, "logs", "--no-color", "--tail", "60"), new byte[0], Duration.ofMinutes(1));
      throw new AssertionError(e.getMessage() + "\n" + logs.stdout() + logs.stderr(), e);
    }
  }

  private static HttpResponse<String> get(int admin, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int readyStatus(int admin) {
    try {
      return get(admin, "/ready").statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static long configVersion(int admin) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/config"))
          .header("Authorization", "Bearer it-token").timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body()).getLong("version");
    } catch (Exception e) {
      return -1;
    }
  }

  private static int clusterSize(int admin) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/api/cluster"))
          .header("Authorization", "Bearer it-token").timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body()).getJsonArray("nodes").size();
    } catch (Exception e) {
      return -1;
    }
  }

  /** An HTTP/1.1 request with that Host through the proxy port; returns the backend's tag header. */
  private static String httpThrough(int port, String host) throws IOException {
    try (Socket s = connect(port)) {
      s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return reply.lines().filter(l -> l.regionMatches(true, 0, TaggedBackends.BACKEND_HEADER + ":", 0, TaggedBackends.BACKEND_HEADER.length() + 1))
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("no backend header in: " + reply);
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(20_000);
    return s;
  }

  private static String exchangeOnce(int port, String text) throws IOException {
    try (Socket s = connect(port)) {
      return exchange(s, text);
    }
  }

  private static String exchange(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
    InputStream in = s.getInputStream();
    byte[] reply = new byte[text.length()];
    int read = 0;
    while (read < reply.length) {
      int n = in.read(reply, read, reply.length - read);
      if (n < 0) {
        break;
      }
      read += n;
    }
    return new String(reply, 0, read, StandardCharsets.UTF_8);
  }

  private static List<String> concat(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all;
  }

  /** Three consecutive free ports below the ephemeral range (an outgoing connection cannot take them). */
  private static int freePortBlock(int count) throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(27_000, 31_000);
      boolean free = true;
      for (int p = base; p < base + count + 10 && free; p++) {
        try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
          free = s.getLocalPort() == p;
        } catch (IOException taken) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IOException("no block of " + count + " free ports");
  }
}
