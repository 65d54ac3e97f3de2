package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.it.MetricsText;
import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.Heap;
import dev.l4mux.testsupport.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File-descriptor exhaustion, on the real jar under {@code ulimit -n 256}: clients that connect
 * and stay silent (held in the sniff phase, one descriptor each) use up the descriptors until
 * accept fails. Meanwhile the connections already relayed keep working, the accept error is
 * logged at most about once per second (not once per attempt), and once the silent clients leave,
 * new connections work again and nothing is left open.
 *
 * <p>Failsafe passes {@code l4mux.jar}.
 */
@Tag("reliability")
class FdExhaustionIT {

  private static final int FD_LIMIT = 256;
  private static final int RELAYED = 20;
  private static final int SILENT = 400; // more than the limit: the accept queue holds the rest
  private static final long EXHAUSTED_FOR_MS = 5_000;
  private static final Pattern ACCEPT_ERROR = Pattern.compile("accept\\(\\.\\.\\) failed.*Too many open files");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path dir;

  @Test
  void keepsServingLogsAcceptErrorsOncePerIntervalAndRecovers() throws Exception {
    List<Socket> clients = new CopyOnWriteArrayList<>();
    try (EchoServer echo = new EchoServer()) {
      int admin = Ports.freePort();
      int edge = Ports.freePort();
      int sniffy = Ports.freePort();
      Path config = Files.writeString(dir.resolve("l4mux.yaml"), """
          admin: { listen: "127.0.0.1:%d" }
          defaults:
            timeouts: { connect: 1s, sniff: 60s }
          listeners:
            - { name: edge, bind: ["127.0.0.1:%d"] }
            - { name: sniffy, bind: ["127.0.0.1:%d"], fallback: reject }
          routes:
            - name: all
              listeners: [edge]
              backends: [ { address: "127.0.0.1:%4$d" } ]
            - name: web
              listeners: [sniffy]
              match: { host: ["web.test"] }
              backends: [ { address: "127.0.0.1:%4$d" } ]
          """.formatted(admin, edge, sniffy, echo.port()));
      String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      Path jar = Path.of(System.getProperty("l4mux.jar", "target/l4mux.jar"));
      assertTrue(Files.isRegularFile(jar), "no jar at " + jar + " (run through failsafe after package)");
      // The transport under test (the epoll run of the suite sets it) reaches the node too.
      String transport = "-Dl4mux.transport=" + System.getProperty("l4mux.transport", "auto");
      try (ExternalProcess node = ExternalProcess.start(List.of("bash", "-c",
          "ulimit -n " + FD_LIMIT + "; exec \"$0\" \"$1\" -jar \"$2\" -conf \"$3\"", java, transport, jar.toString(), config.toString()),
          new byte[0], Duration.ofMinutes(3))) {
        awaitReady(node, admin);
        long heapBaseline = JvmHeap.usedAfterGc(node.pid());

        List<Socket> relayed = new ArrayList<>();
        for (int i = 0; i < RELAYED; i++) {
          Socket s = connect(edge);
          clients.add(s);
          relayed.add(s);
          assertEchoes(s, "relayed-" + i);
        }
        List<Socket> silent = new ArrayList<>();
        for (int i = 0; i < SILENT; i++) {
          Socket s = connect(sniffy); // the kernel completes it; l4mux accepts while it can
          clients.add(s);
          silent.add(s);
        }
        assertTrue(node.awaitStderr(err -> ACCEPT_ERROR.matcher(err).find(), Duration.ofSeconds(15)),
            "accept never failed with EMFILE; open descriptors " + openFds(node.pid()) + "\n" + node.stderr());
        long exhaustedAt = System.nanoTime();
        int acceptErrorsBefore = count(ACCEPT_ERROR, node.stderr());
        int round = 0;
        while (System.nanoTime() - exhaustedAt < EXHAUSTED_FOR_MS * 1_000_000) {
          for (Socket s : relayed) {
            assertEchoes(s, "during-" + round);
          }
          round++;
          Thread.sleep(250);
        }
        double exhaustedSeconds = (System.nanoTime() - exhaustedAt) / 1e9;
        int acceptErrors = count(ACCEPT_ERROR, node.stderr()) - acceptErrorsBefore;
        System.out.printf("fd exhaustion: %d fds open, %d accept-error log lines in %.1f s while %d clients waited in the "
            + "accept queue; relayed connections echoed %d rounds%n",
            openFds(node.pid()), acceptErrors, exhaustedSeconds, SILENT, round);
        assertTrue(acceptErrors <= exhaustedSeconds + 2,
            acceptErrors + " accept-error log lines in " + exhaustedSeconds + " s: logged per attempt, not per interval");

        for (Socket s : silent) {
          Reliability.quietly(s);
        }
        clients.removeAll(silent);
        awaitSilentGone(admin, Duration.ofSeconds(20));
        try (Socket fresh = connect(edge)) {
          assertEchoes(fresh, "recovered");
        }
        try (Socket fresh = connect(sniffy)) {
          byte[] request = "GET / HTTP/1.1\r\nHost: web.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
          fresh.getOutputStream().write(request);
          assertArrayEquals(request, fresh.getInputStream().readNBytes(request.length), "sniffed listener recovered");
        }
        assertEquals(200, get(admin, "/ready").statusCode());
        for (Socket s : relayed) {
          assertEchoes(s, "after");
          s.close();
        }
        awaitNoConnections(admin, Duration.ofSeconds(20));
        long heap = JvmHeap.usedAfterGc(node.pid());
        System.out.printf("fd exhaustion: node heap after GC %s (baseline %s)%n", Heap.mb(heap), Heap.mb(heapBaseline));
        assertTrue(heap < heapBaseline + Reliability.HEAP_MARGIN, "node heap " + Heap.mb(heap) + " vs " + Heap.mb(heapBaseline));
      }
    } finally {
      clients.forEach(Reliability::quietly);
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(Reliability.loopback(), port), 5_000);
    s.setSoTimeout(10_000);
    return s;
  }

  private static void assertEchoes(Socket s, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    s.getOutputStream().write(bytes);
    assertArrayEquals(bytes, s.getInputStream().readNBytes(bytes.length), "echo of " + text);
  }

  private static int count(Pattern p, String text) {
    Matcher m = p.matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  static int openFds(long pid) {
    String[] fds = Path.of("/proc", Long.toString(pid), "fd").toFile().list();
    return fds == null ? -1 : fds.length;
  }

  private static HttpResponse<String> get(int admin, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitReady(ExternalProcess node, int admin) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (get(admin, "/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      assertTrue(node.isAlive(), "the jar exited\n" + node.stdout() + node.stderr());
      Thread.sleep(100);
    }
    throw new AssertionError("not ready\n" + node.stderr());
  }

  /** Silent clients that were accepted are closed by l4mux once their close is seen. */
  private static void awaitSilentGone(int admin, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    double active = -1;
    while (System.nanoTime() < deadline) {
      try {
        active = MetricsText.sum(get(admin, "/metrics").body(), "l4mux_connections_active");
        if (active == RELAYED) {
          return;
        }
      } catch (IOException stillExhausted) {
        // the admin server cannot accept either until descriptors free up
      }
      Thread.sleep(100);
    }
    throw new AssertionError("l4mux_connections_active stayed at " + active + ", expected the " + RELAYED + " relayed");
  }

  private static void awaitNoConnections(int admin, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    double active;
    String open;
    do {
      active = MetricsText.sum(get(admin, "/metrics").body(), "l4mux_connections_active");
      open = get(admin, "/api/connections").body();
      if (active == 0 && !open.contains("\"id\"")) {
        return;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    assertEquals(0.0, active, "l4mux_connections_active");
    throw new AssertionError("connections still open: " + open);
  }

  /** A blocking echo server, one thread per connection. */
  private static final class EchoServer implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 1024, Reliability.loopback());
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    EchoServer() throws IOException {
      Thread t = new Thread(this::serve, "fd-echo");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          accepted.add(s);
          Thread t = new Thread(() -> {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
              in.transferTo(out);
            } catch (IOException gone) {
              // peer closed
            }
          }, "fd-echo-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      accepted.forEach(Reliability::quietly);
    }
  }
}
