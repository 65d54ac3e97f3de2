package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --log-dir DIR} (CONTRACT section 6): many connections through a jar node whose access log
 * rotates every 64 KiB with 8 files kept. After each round of connections every access log line is
 * whole JSON, no connection's line is missing or doubled across the rotations, and there are never
 * more than 8 files; the node's own log is in {@code DIR/l4mux.log}, and stdout carries neither.
 * Run with {@code L4MUX_LOG_ROTATE=size} (files {@code NAME.1}, ...) and {@code daily} (files
 * {@code NAME.YYYY-MM-DD.N}: within a day it rotates by size; the day boundary itself is tested with
 * an injected clock in DailyRotationTest).
 */
class LogFilesIT {

  private static final int ROUNDS = 6;
  private static final int CONNECTIONS_PER_ROUND = 600; // ~200 KiB of access log: fits the 8 x 64 KiB kept
  private static final int CLIENTS = 16;
  private static final int FILES_KEPT = 8;
  private static final long MAX_BYTES = 64 * 1024;
  private static final List<String> FIELDS = List.of(
      "ts", "id", "listener", "client", "realClient", "protocol", "sni", "alpn", "host", "route", "backend",
      "bytesUp", "bytesDown", "sniffMs", "connectMs", "durationMs", "closeReason");

  @TempDir Path dir;

  private Vertx vertx;
  private TaggedBackend echo;
  private JarNode node;
  private static volatile String rotated; // how rotated files are named in this run (a pattern)

  @BeforeEach
  void startBackend() throws Exception {
    vertx = Vertx.vertx();
    echo = TaggedBackends.tcpEcho(vertx, "echo").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static final String NUMBERED = "\\.[1-9][0-9]*";
  private static final String DATED = "\\.\\d{4}-\\d{2}-\\d{2}\\.[1-9][0-9]*";

  @ParameterizedTest
  @ValueSource(strings = {"size", "daily"})
  void accessLogRotatesWithoutLosingOrSplittingALine(String rotation) throws Exception {
    rotated = rotation.equals("daily") ? DATED : NUMBERED;
    int listener = Ports.freePort();
    Path logs = dir.resolve("logs");
    Path config = dir.resolve("l4mux.yaml");
    Files.writeString(config, """
        listeners:
          - name: edge
            bind: ["127.0.0.1:%d"]
        routes:
          - name: echo
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(listener, echo.port()));
    node = JarNode.start("logs", Ports.freePort(),
        List.of("L4MUX_LOG_MAX_SIZE=64k", "L4MUX_LOG_FILES=" + FILES_KEPT, "L4MUX_LOG_ROTATE=" + rotation),
        List.of("--log-dir", logs.toString(), "-conf", config.toString()));
    node.awaitReady(Duration.ofSeconds(30));

    String nodeLog = Files.readString(logs.resolve("l4mux.log"));
    assertTrue(nodeLog.contains("l4mux node logs ready"), "the node's log is in DIR/l4mux.log:\n" + nodeLog);

    Set<Long> logged = new HashSet<>();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      for (int round = 1; round <= ROUNDS; round++) {
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS_PER_ROUND; i++) {
          String payload = "round " + round + " connection " + i;
          done.add(clients.submit(() -> {
            assertEquals(payload, exchange(listener, payload));
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
        int expected = round * CONNECTIONS_PER_ROUND;
        awaitLogged(logs, logged, expected, round);
      }
    } finally {
      clients.shutdownNow();
    }

    Map<String, Long> files = logFiles(logs, "access.log");
    assertEquals(FILES_KEPT, files.size(), "after about 20 rotations exactly the bounded number is kept: " + files);
    files.forEach((name, size) -> assertTrue(size <= MAX_BYTES, name + " is " + size + " bytes, above 64 KiB"));
    assertTrue(logFiles(logs, "l4mux.log").size() <= FILES_KEPT);
    assertFalse(node.process().stdout().contains("\"closeReason\""), "access log lines on stdout:\n" + node.process().stdout());

    ProcessHandle.of(node.process().pid()).ifPresent(ProcessHandle::destroy);
    ExternalProcess.Result exit = node.process().await(Duration.ofSeconds(40));
    assertEquals(0, exit.exitCode(), exit.stderr());
    assertTrue(Files.readString(logs.resolve("l4mux.log")).contains("drained"),
        "drain-time messages (after java.util.logging reset itself) still reach DIR/l4mux.log");
  }

  /**
   * Waits until every connection made so far has its line, then checks that snapshot strictly.
   * The last lines of a round are written as its connections close, so the writer may still be
   * rotating while this reads: a snapshot counts only if the set of files and their sizes was the
   * same before and after reading it (a file renamed or dropped between listing and reading would
   * otherwise look missing, or its lines logged twice).
   */
  private static void awaitLogged(Path logs, Set<Long> logged, int expected, int round) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<String> problems = List.of();
    while (System.nanoTime() < deadline) {
      Map<String, Long> before = logFilesOrNull(logs);
      List<String> found = new ArrayList<>();
      Map<Long, String> snapshot = before == null ? null : readLines(logs, before.keySet(), found);
      if (snapshot != null && before.equals(logFilesOrNull(logs))) {
        logged.addAll(snapshot.keySet());
        problems = found;
        if (logged.size() >= expected) {
          assertEquals(List.of(), problems, "round " + round);
          assertEquals(expected, logged.size(), "round " + round + ": one line per connection");
          assertTrue(before.size() <= FILES_KEPT, "round " + round + ": files " + before);
          return;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("round " + round + ": " + logged.size() + " of " + expected + " connections logged; " + problems);
  }

  /** The lines of a stable set of files by connection id, or null when a file went away while reading. */
  private static Map<Long, String> readLines(Path logs, Set<String> names, List<String> problems) throws IOException {
    Map<Long, String> snapshot = new HashMap<>();
    for (String name : names) {
      List<String> lines;
      try {
        lines = Files.readAllLines(logs.resolve(name), StandardCharsets.UTF_8);
      } catch (NoSuchFileException rotatedAway) {
        return null;
      }
      for (String line : lines) {
        JsonObject json;
        try {
          json = new JsonObject(line);
        } catch (DecodeException e) {
          problems.add(name + ": not a whole JSON line: " + line);
          continue;
        }
        for (String field : FIELDS) {
          if (!json.containsKey(field)) {
            problems.add(name + ": no " + field + " in " + line);
          }
        }
        if (snapshot.put(json.getLong("id"), name) != null) {
          problems.add(name + ": connection " + json.getLong("id") + " logged twice");
        }
      }
    }
    return snapshot;
  }

  private static Map<String, Long> logFilesOrNull(Path logs) throws IOException {
    try {
      return logFiles(logs, "access.log");
    } catch (NoSuchFileException rotatedAway) {
      return null;
    }
  }

  /** The log's files (NAME, NAME.1, ... or NAME.DAY.1, ...) and their sizes; anything else with the prefix fails. */
  private static Map<String, Long> logFiles(Path logs, String name) throws IOException {
    Map<String, Long> files = new HashMap<>();
    try (Stream<Path> list = Files.list(logs)) {
      for (Path p : list.toList()) {
        String file = p.getFileName().toString();
        if (file.startsWith(name)) {
          assertTrue(file.equals(name) || file.matches(java.util.regex.Pattern.quote(name) + rotated), "unexpected file " + file);
          files.put(file, Files.size(p));
        }
      }
    }
    return files;
  }

  private static String exchange(int port, String payload) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(payload.getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] reply = new byte[payload.length()];
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
  }
}
