package dev.l4mux.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each fixture of the end-to-end kit does what its Javadoc promises, against real clients. */
@ExtendWith(VertxExtension.class)
class TestSupportTest {
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(20);

  @Test
  void sshdLetsTheRealSshClientLogInWithTheGeneratedKey() {
    try (SshdFixture sshd = SshdFixture.start()) {
      ExternalProcess.Result r = ExternalProcess.run(sshd.sshCommand("echo hello"), new byte[0], CLIENT_TIMEOUT);
      assertEquals(0, r.exitCode(), r.stderr() + "\n--- sshd ---\n" + sshd.log());
      assertEquals("hello\n", r.stdout());
    }
  }

  @Test
  void tlsBackendGreetsOpenSslClientWithItsTagThenEchoes(Vertx vertx) throws Exception {
    TestCerts.CertAndKey cert = TestCerts.leaf("a.test", "b.test");
    assertSame(cert, TestCerts.leaf("a.test", "b.test"), "cached per JVM");
    TaggedBackend tls = await(TaggedBackends.tls(vertx, "tls-a", cert));

    ExternalProcess.Result r = OpenSslClient.exchange(tls.port(), "b.test", "ping\n", "ping\n", CLIENT_TIMEOUT);
    assertEquals("tls-a\nping\n", r.stdout(), r.stderr());

    OpenSslClient.Handshake h = OpenSslClient.handshake(tls.port(), "a.test", List.of(), CLIENT_TIMEOUT);
    assertTrue(h.completed(), h.result().toString());
    assertTrue(h.verified(), "leaf chains to TestCerts.ca() and matches the name: " + h.result());
    assertEquals("CN = a.test", h.peerSubject().orElseThrow());
    assertEquals(2, tls.acceptedConnections());
    await(tls.close());
  }

  @Test
  void openSslClientReportsTheAlertNumberTheServerSent() {
    TestCerts.CertAndKey cert = TestCerts.leaf("a.test");
    int port = Ports.freePort();
    List<String> server =
        List.of(
            "openssl", "s_server", "-accept", "127.0.0.1:" + port, "-quiet",
            "-cert", cert.certPem().toString(), "-key", cert.keyPem().toString(),
            "-cert2", cert.certPem().toString(), "-key2", cert.keyPem().toString(),
            "-servername", "a.test", "-servername_fatal");
    try (ExternalProcess s = ExternalProcess.start(server, new byte[0], Duration.ofMinutes(1))) {
      Ports.awaitListening(port, Duration.ofSeconds(10));

      OpenSslClient.Handshake h = OpenSslClient.handshake(port, "other.test", List.of(), CLIENT_TIMEOUT);

      assertFalse(h.completed());
      assertEquals(
          new OpenSslClient.TlsAlert(112, "tlsv1 unrecognized name"),
          h.alert().orElseThrow(),
          h.result().stderr() + "\n--- s_server ---\n" + s.stderr());
    }
  }

  @Test
  void httpBackendAnswersCurlAndWebSocketsWithItsTag(Vertx vertx) throws Exception {
    TaggedBackend web = await(TaggedBackends.http(vertx, "web-1"));

    ExternalProcess.Result r =
        ExternalProcess.run(
            List.of("curl", "-sS", "-i", "--max-time", "10", "http://127.0.0.1:" + web.port() + "/any"),
            new byte[0],
            CLIENT_TIMEOUT);
    assertEquals(0, r.exitCode(), r.stderr());
    assertTrue(r.stdout().startsWith("HTTP/1.1 200"), r.stdout());
    assertTrue(r.stdout().contains("X-Backend: web-1\r\n"), r.stdout());
    assertTrue(r.stdout().endsWith("\r\n\r\nweb-1"), r.stdout());

    // Held and closed here: Vert.x closes a client that the garbage collector finds unreachable,
    // and that close would cut a handshake still in flight.
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      Promise<String> reply = Promise.promise();
      client
          .connect(web.port(), "127.0.0.1", "/ws")
          .onSuccess(ws -> ws.textMessageHandler(reply::tryComplete).writeTextMessage("hi"))
          .onFailure(reply::tryFail);
      assertEquals("web-1:hi", await(reply.future()));
    } finally {
      await(client.close());
    }
    await(web.close());
  }

  @Test
  void tcpBackendsGreetOrStayQuietThenEcho(Vertx vertx) throws Exception {
    TaggedBackend greeting = await(TaggedBackends.tcpGreeting(vertx, "g"));
    TaggedBackend echo = await(TaggedBackends.tcpEcho(vertx, "e"));

    try (Socket s = connect(greeting.port())) {
      assertEquals("g\n", read(s.getInputStream(), 2));
      s.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
      assertEquals("abc", read(s.getInputStream(), 3));
    }
    try (Socket s = connect(echo.port())) {
      s.setSoTimeout(200);
      assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read(), "client-first: no greeting");
      s.setSoTimeout(5_000);
      s.getOutputStream().write("xyz".getBytes(StandardCharsets.US_ASCII));
      assertEquals("xyz", read(s.getInputStream(), 3));
    }
    assertEquals(1, greeting.acceptedConnections());
    assertEquals(1, echo.acceptedConnections());
  }

  @Test
  void unreachableBackendMakesConnectsTimeOutInsteadOfBeingRefused() throws IOException {
    try (UnreachableBackend dead = UnreachableBackend.start()) {
      assertEquals(2, dead.queuedConnections(), "Linux: backlog 1 holds backlog + 1 connections");
      for (int attempt = 0; attempt < 2; attempt++) {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
          assertThrows(
              SocketTimeoutException.class,
              () -> s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), dead.port()), 500));
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs >= 450, "timed out, not refused: " + tookMs + " ms");
      }
    }
  }

  @Test
  void tenMegabytesFromSourceReachASlowSinkUnchanged(Vertx vertx) throws Exception {
    long length = 10L * 1024 * 1024;
    SourceBackend source = await(SourceBackend.start(vertx, length, 42, true));
    SinkBackend sink = await(TaggedBackends.sink(vertx, 256 * 1024)); // >= 400 ms for 10 MB
    NetClient client = vertx.createNetClient(); // closed at the end: see the WebSocket test

    long start = System.nanoTime();
    Future<Void> piped = client
        .connect(sink.port(), "127.0.0.1")
        .compose(to -> client.connect(source.port(), "127.0.0.1").compose(from -> {
          Future<Void> pipe = from.pipeTo(to);
          from.write("go"); // the source sends once asked: by then the pipe reads from it
          return pipe;
        }));
    StreamDigest.Digest received = await(sink.firstStream());
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    await(piped);
    await(client.close());
    assertEquals(length, received.bytes());
    assertEquals(source.sha256Hex(), received.sha256Hex());
    assertEquals(PseudoRandomBytes.sha256Hex(42, length), source.sha256Hex());
    assertEquals(length, sink.bytesReceived());
    assertTrue(tookMs >= 350, "the sink read slowly: " + tookMs + " ms");
  }

  @Test
  void slowClientSideReaderDigestsWhatTheSourceSent(Vertx vertx) throws Exception {
    long length = 3L * 1024 * 1024 + 17;
    SourceBackend source = await(SourceBackend.start(vertx, length, 7, true));
    // The source sends once asked: by then the digest has taken the socket over.
    NetClient client = vertx.createNetClient(); // closed at the end: see the WebSocket test
    Future<StreamDigest.Digest> digest = client
        .connect(source.port(), "127.0.0.1")
        .compose((NetSocket socket) -> {
          StreamDigest reading = StreamDigest.attach(vertx, socket, 128 * 1024);
          socket.write("go");
          return reading.result();
        });
    assertEquals(new StreamDigest.Digest(length, source.sha256Hex()), await(digest));
    await(client.close());
  }

  @Test
  void stopEndsTheProcessAndItsDescendants() {
    // Both children exist before "started" is printed (with "echo; sleep" the second could lag).
    ExternalProcess p = ExternalProcess.start(List.of("sh", "-c", "sleep 300 & sleep 300 & echo started; wait"));
    assertTrue(p.awaitStdout(out -> out.contains("started"), Duration.ofSeconds(10)));
    List<ProcessHandle> tree = ProcessHandle.of(p.pid()).orElseThrow().descendants().toList();
    assertEquals(2, tree.size(), "two sleeps");

    long start = System.nanoTime();
    ExternalProcess.Result r = p.stopAndCollect();

    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "SIGTERM sufficed, no SIGKILL grace");
    // 143 when sh got the SIGTERM first, 0 when its children died first and `wait` returned; never
    // 137, which would mean the SIGKILL fallback was needed.
    assertTrue(r.exitCode() == 143 || r.exitCode() == 0, "exit code " + r.exitCode());
    assertFalse(p.isAlive());
    tree.forEach(h -> assertFalse(ExternalProcess.isRunning(h), "descendant " + h.pid()));
  }

  @Test
  void externalProcessFeedsStdinAndSeparatesStreams() {
    ExternalProcess.Result r =
        ExternalProcess.run(
            List.of("sh", "-c", "cat; echo oops >&2; exit 3"),
            "in\n".getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(10));
    assertEquals(new ExternalProcess.Result(3, "in\n", "oops\n"), r);
  }

  @Test
  void portsFindFreePortsAndWaitForListeners() throws IOException {
    int port = Ports.freePort();
    assertFalse(Ports.isListening(port));
    assertThrows(IllegalStateException.class, () -> Ports.awaitListening(port, Duration.ofMillis(100)));
    try (ServerSocket s = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
      Ports.awaitListening(s.getLocalPort(), Duration.ofSeconds(1));
    }
  }

  @Test
  void heapReportsUsedBytesAfterGc() {
    long used = Heap.usedAfterGc();
    assertTrue(used > 0 && used <= Runtime.getRuntime().totalMemory(), Heap.mb(used));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.timeout(30, TimeUnit.SECONDS).await();
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    s.setSoTimeout(5_000);
    return s;
  }

  private static String read(InputStream in, int n) throws IOException {
    return new String(in.readNBytes(n), StandardCharsets.US_ASCII);
  }
}
