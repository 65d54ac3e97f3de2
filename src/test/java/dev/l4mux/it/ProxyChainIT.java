package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import dev.l4mux.sniff.proxy.ProxyHeaderResult;
import dev.l4mux.sniff.proxy.ProxyTlv;
import dev.l4mux.testsupport.RecordingBackend;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A chain client -> l4mux "outer" (send v2, adds a TLV) -> l4mux "inner" (trusts outer, required,
 * forwards TLVs on) -> backend: the client's address and the TLVs survive both hops, and under
 * churn (client resets, half-closes, backend resets, silent clients) both nodes end with no
 * connection, no open socket and no per-connection state, the lesson of proxies whose outer hop
 * accumulated connections.
 */
class ProxyChainIT {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private static Vertx vertx;
  private static TaggedBackend echo;
  private static RecordingBackend recording;
  private static ServerSocket resetting;
  private static L4muxTestNode inner;
  private static L4muxTestNode outer;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    echo = TaggedBackends.tcpEcho(vertx, "echo").await(10, TimeUnit.SECONDS);
    recording = RecordingBackend.start("recording");
    resetting = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
    Thread resetter = new Thread(ProxyChainIT::resetEveryConnection, "resetting-backend");
    resetter.setDaemon(true);
    resetter.start();
    inner = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - { name: inner-echo, bind: ["127.0.0.1:0"], proxyProtocol: { trusted: ["127.0.0.1"], required: true } }
          - { name: inner-reset, bind: ["127.0.0.1:0"], proxyProtocol: { trusted: ["127.0.0.1"], required: true } }
          - { name: inner-record, bind: ["127.0.0.1:0"], proxyProtocol: { trusted: ["127.0.0.1"], required: true } }
        routes:
          - { name: echo, listeners: [inner-echo], backends: [ { address: "127.0.0.1:%d" } ] }
          - { name: reset, listeners: [inner-reset], backends: [ { address: "127.0.0.1:%d" } ] }
          - name: record
            listeners: [inner-record]
            proxyProtocol: { send: v2, tlvs: { forward: [0xE0, 0x05, 0x02] } }  # inner connects unsniffed: AUTHORITY comes from outer
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(echo.port(), resetting.getLocalPort(), recording.port()));
    outer = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - { name: edge-echo, bind: ["127.0.0.1:0"] }
          - { name: edge-reset, bind: ["127.0.0.1:0"] }
          - { name: edge-record, bind: ["127.0.0.1:0"] }
        routes:
          - { name: echo, listeners: [edge-echo], proxyProtocol: { send: v2 }, backends: [ { address: "127.0.0.1:%d" } ] }
          - { name: reset, listeners: [edge-reset], proxyProtocol: { send: v1 }, backends: [ { address: "127.0.0.1:%d" } ] }
          - name: record
            listeners: [edge-record]
            match: { protocol: http }
            proxyProtocol: { send: v2, tlvs: { add: { 0xE0: "edge-1" } } }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(inner.port("inner-echo"), inner.port("inner-reset"), inner.port("inner-record")));
  }

  private static void resetEveryConnection() {
    while (!resetting.isClosed()) {
      try {
        Socket s = resetting.accept();
        s.setSoTimeout(5_000);
        try {
          s.getInputStream().read(new byte[256]);
        } catch (IOException ignored) {
          // the client may be gone already
        }
        s.setSoLinger(true, 0); // RST instead of FIN
        s.close();
      } catch (IOException closed) {
        return;
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (L4muxTestNode n : new L4muxTestNode[] {outer, inner}) {
      if (n != null) {
        n.close();
      }
    }
    if (recording != null) {
      recording.close();
    }
    if (resetting != null) {
      resetting.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void theClientAndTheTlvsSurviveBothHops() throws Exception {
    byte[] request = "GET / HTTP/1.0\r\nHost: www.example.com\r\n\r\nhello!\n".getBytes(StandardCharsets.US_ASCII);
    try (ClosedConnections closed = new ClosedConnections(inner.vertx());
        Socket s = new Socket(InetAddress.getLoopbackAddress(), outer.port("edge-record"))) {
      s.setSoTimeout((int) WAIT.toMillis());
      s.getOutputStream().write(request);
      assertEquals("recording\n", ProxyProtocolIT.readAll(s.getInputStream()));
      byte[] got = recording.next(WAIT);
      ProxyHeaderResult.Match m = assertInstanceOf(ProxyHeaderResult.Match.class, ProxyHeaderParser.parse(Buffer.buffer(got)));
      ProxyHeader h = m.header();
      assertEquals(s.getLocalSocketAddress(), h.source(), "the client, two hops away");
      assertEquals(new InetSocketAddress("127.0.0.1", outer.port("edge-record")), h.destination(), "where the client connected");
      assertEquals("edge-1", h.tlv(0xE0).orElseThrow().text(), "added by outer, forwarded by inner");
      String outerId = h.tlv(ProxyTlv.UNIQUE_ID).orElseThrow().text();
      assertTrue(outerId.startsWith(outer.state().nodeName() + ":"), "outer's unique id forwarded: " + outerId);
      assertEquals("www.example.com", h.tlv(ProxyTlv.AUTHORITY).orElseThrow().text());
      assertArrayEquals(request, Arrays.copyOfRange(got, m.length(), got.length));
      InetSocketAddress local = (InetSocketAddress) s.getLocalSocketAddress();
      ConnectionClosed c = closed.await(e -> "record".equals(e.route()), WAIT);
      assertEquals("127.0.0.1:" + local.getPort(), c.realClient());
      assertEquals("edge-1", c.proxyTlvs().get("0xe0"));
    }
  }

  @Test
  void churnLeavesNoConnectionNoSocketAndNoStateOnEitherNode() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<?>> runs = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      int mode = i % 5;
      runs.add(pool.submit(() -> {
        churnOnce(mode);
        return null;
      }));
    }
    for (Future<?> f : runs) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    for (L4muxTestNode n : new L4muxTestNode[] {outer, inner}) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline && (n.state().connections().size() > 0
          || n.state().metrics().activeConnectionsTotal() > 0 || n.state().metrics().socketsOpen() > 0)) {
        Thread.sleep(20);
      }
      assertEquals(0, n.state().connections().size(), "open connections on " + n.state().nodeName());
      assertEquals(0, n.state().metrics().activeConnectionsTotal(), "l4mux_connections_active on " + n.state().nodeName());
      assertEquals(0, n.state().metrics().socketsOpen(), "l4mux_sockets_open on " + n.state().nodeName());
    }
    assertEquals(0, MetricsText.sum(inner.admin("/metrics").body(), "l4mux_rejections_total", "reason=\"bad_proxy_header\""),
        "every connection outer made carried its header");
  }

  /** One client of five kinds: a clean echo, a reset, a half-close, a backend reset, a silent client. */
  private static void churnOnce(int mode) throws IOException {
    int port = mode == 3 ? outer.port("edge-reset") : outer.port("edge-echo");
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      byte[] data = new byte[4096];
      Arrays.fill(data, (byte) ('a' + mode));
      switch (mode) {
        case 0 -> {
          s.getOutputStream().write(data);
          s.getInputStream().readNBytes(data.length);
        }
        case 1 -> {
          s.getOutputStream().write(data);
          s.setSoLinger(true, 0); // the close below resets
        }
        case 2 -> {
          s.getOutputStream().write(data);
          s.shutdownOutput();
          drain(s.getInputStream());
        }
        case 3 -> {
          s.getOutputStream().write(data);
          drain(s.getInputStream());
        }
        default -> { } // connects and leaves without a byte
      }
    }
  }

  private static void drain(InputStream in) {
    try {
      in.readAllBytes();
    } catch (IOException resetOrTimeout) {
      // a reset from the resetting backend ends it too
    }
  }
}
