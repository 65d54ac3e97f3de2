package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderWriter;
import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.Ports;
import dev.l4mux.testsupport.RecordingBackend;
import dev.l4mux.testsupport.TestCerts;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PROXY protocol against real peers on loopback: HAProxy 2.6 sending ({@code send-proxy}, {@code
 * send-proxy-v2}, {@code send-proxy-v2-ssl-cn}) with the client address set to a documentation
 * address ({@code tcp-request connection set-src}), HAProxy receiving ({@code accept-proxy}, its
 * log showing {@code %ci}, {@code fc_pp_authority}, {@code fc_pp_unique_id}); nginx ({@code
 * proxy_protocol on} behind {@code listen ... proxy_protocol} + realip) sending, and nginx
 * receiving ({@code $proxy_protocol_addr} in its log).
 */
class ProxyProtocolInteropIT {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final byte[] PAYLOAD = "hello!\n".getBytes(StandardCharsets.US_ASCII);

  private static RecordingBackend docs;
  private static RecordingBackend others;
  private static RecordingBackend behindHaproxy;
  private static RecordingBackend behindNginx;
  private static L4muxTestNode node;
  private static ExternalProcess haproxy;
  private static ExternalProcess nginx;
  private static Path dir;
  private static int hapV2;
  private static int hapV1;
  private static int hapDenied;
  private static int hapRouteDenied;
  private static int hapSslCn;
  private static int hapAccept;
  private static int nginxSender;
  private static int nginxReceiver;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("l4mux-pp-interop");
    docs = RecordingBackend.start("docs");
    others = RecordingBackend.start("others");
    behindHaproxy = RecordingBackend.start("behind-haproxy");
    behindNginx = RecordingBackend.start("behind-nginx");
    hapV2 = Ports.freePort();
    hapV1 = Ports.freePort();
    hapDenied = Ports.freePort();
    hapRouteDenied = Ports.freePort();
    hapSslCn = Ports.freePort();
    hapAccept = Ports.freePort();
    nginxSender = Ports.freePort();
    nginxReceiver = Ports.freePort();
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - name: from-proxies
            bind: ["127.0.0.1:0"]
            proxyProtocol: { trusted: ["127.0.0.1"], required: true }
            access: { deny: ["198.51.100.0/24"] }
          - name: to-haproxy
            bind: ["127.0.0.1:0"]
            proxyProtocol: { trusted: ["127.0.0.1"] }
          - name: to-nginx
            bind: ["127.0.0.1:0"]
            proxyProtocol: { trusted: ["127.0.0.1"] }
        routes:
          - name: docs
            listeners: [from-proxies]
            match: { source: ["203.0.113.0/24"] }
            access: { deny: ["203.0.113.66"] }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: others
            listeners: [from-proxies]
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: haproxy-v1
            listeners: [to-haproxy]
            match: { host: ["v1.example.com"] }
            proxyProtocol: { send: v1 }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: haproxy-v2
            listeners: [to-haproxy]
            match: { protocol: http }
            proxyProtocol: { send: v2, tlvs: { add: { 0xE1: "edge-1" } } }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: nginx-v1
            listeners: [to-nginx]
            match: { host: ["v1.example.com"] }
            proxyProtocol: { send: v1 }
            backends: [ { address: "127.0.0.1:%d" } ]
          - name: nginx-v2
            listeners: [to-nginx]
            match: { protocol: http }
            proxyProtocol: { send: v2 }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(docs.port(), others.port(), hapAccept, hapAccept, nginxReceiver, nginxReceiver));
    int l4mux = node.port("from-proxies");
    TestCerts.CertAndKey server = TestCerts.leaf("edge.example.com");
    Path bundle = dir.resolve("edge.pem");
    Files.writeString(bundle, Files.readString(server.certPem()) + Files.readString(server.keyPem()));
    Path hapCfg = dir.resolve("haproxy.cfg");
    Files.writeString(hapCfg, """
        global
          log stderr format raw local0
          ssl-server-verify none
        defaults
          mode tcp
          log global
          timeout connect 5s
          timeout client 15s
          timeout server 15s
        frontend v2
          bind 127.0.0.1:%d
          tcp-request connection set-src ipv4(203.0.113.7)
          default_backend to_l4mux_v2
        frontend v1
          bind 127.0.0.1:%d
          tcp-request connection set-src ipv4(203.0.113.8)
          default_backend to_l4mux_v1
        frontend denied
          bind 127.0.0.1:%d
          tcp-request connection set-src ipv4(198.51.100.9)
          default_backend to_l4mux_v2
        frontend route_denied
          bind 127.0.0.1:%d
          tcp-request connection set-src ipv4(203.0.113.66)
          default_backend to_l4mux_v2
        frontend ssl_cn
          bind 127.0.0.1:%d ssl crt %s ca-file %s verify optional crt-ignore-err all ca-ignore-err all
          tcp-request connection set-src ipv4(203.0.113.9)
          default_backend to_l4mux_ssl_cn
        frontend from_l4mux
          bind 127.0.0.1:%d accept-proxy
          log-format "pp client=%%ci:%%cp authority=%%[fc_pp_authority] uid=%%[fc_pp_unique_id]"
          default_backend behind
        backend to_l4mux_v2
          server l 127.0.0.1:%d send-proxy-v2
        backend to_l4mux_v1
          server l 127.0.0.1:%d send-proxy
        backend to_l4mux_ssl_cn
          server l 127.0.0.1:%d send-proxy-v2-ssl-cn
        backend behind
          server b 127.0.0.1:%d
        """.formatted(hapV2, hapV1, hapDenied, hapRouteDenied, hapSslCn, bundle, TestCerts.ca().certPem(), hapAccept,
        l4mux, l4mux, l4mux, behindHaproxy.port()));
    haproxy = ExternalProcess.start(List.of("haproxy", "-f", hapCfg.toString(), "-db"), new byte[0], Duration.ofMinutes(5));
    Path nginxCfg = dir.resolve("nginx.conf");
    Files.writeString(nginxCfg, """
        load_module /usr/lib/nginx/modules/ngx_stream_module.so;
        worker_processes 1;
        pid %s/nginx.pid;
        error_log stderr info;
        events { worker_connections 64; }
        stream {
          log_format pp 'pp client=$proxy_protocol_addr:$proxy_protocol_port peer=$remote_addr';
          server {
            listen 127.0.0.1:%d proxy_protocol;
            set_real_ip_from 127.0.0.1;
            proxy_protocol on;
            proxy_pass 127.0.0.1:%d;
          }
          server {
            listen 127.0.0.1:%d proxy_protocol;
            access_log %s/access.log pp;
            proxy_pass 127.0.0.1:%d;
          }
        }
        """.formatted(dir, nginxSender, l4mux, nginxReceiver, dir, behindNginx.port()));
    nginx = ExternalProcess.start(List.of("nginx", "-e", "stderr", "-p", dir.toString(), "-c", nginxCfg.toString(), "-g", "daemon off;"),
        new byte[0], Duration.ofMinutes(5));
    for (int port : new int[] {hapV2, hapV1, hapDenied, hapRouteDenied, hapSslCn, hapAccept, nginxSender, nginxReceiver}) {
      Ports.awaitListening(port, WAIT);
    }
  }

  @AfterAll
  static void stop() {
    for (ExternalProcess p : new ExternalProcess[] {haproxy, nginx}) {
      if (p != null) {
        p.close();
      }
    }
    if (node != null) {
      node.close();
    }
    for (RecordingBackend b : new RecordingBackend[] {docs, others, behindHaproxy, behindNginx}) {
      if (b != null) {
        b.close();
      }
    }
  }

  private static double rejections(String reason) throws Exception {
    return MetricsText.sum(node.admin("/metrics").body(), "l4mux_rejections_total", "listener=\"from-proxies\"", "reason=\"" + reason + "\"");
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void haproxySendProxyV2AndV1CarryTheClientThatL4muxRoutesOn() throws Exception {
    try (ClosedConnections closed = new ClosedConnections(node.vertx())) {
      assertEquals("docs\n", ProxyProtocolIT.exchange(hapV2, PAYLOAD));
      assertEquals("hello!\n", new String(docs.next(WAIT), StandardCharsets.US_ASCII), "header stripped");
      ConnectionClosed v2 = closed.await(c -> c.realClient() != null && c.realClient().startsWith("203.0.113.7:"), WAIT);
      assertEquals("docs", v2.route());
      assertEquals("docs\n", ProxyProtocolIT.exchange(hapV1, PAYLOAD));
      assertEquals("hello!\n", new String(docs.next(WAIT), StandardCharsets.US_ASCII));
      ConnectionClosed v1 = closed.await(c -> c.realClient() != null && c.realClient().startsWith("203.0.113.8:"), WAIT);
      assertEquals("docs", v1.route());
    }
  }

  @Test
  void accessListsApplyToTheAddressHaproxySent() throws Exception {
    double before = rejections("denied");
    assertEquals("", ProxyProtocolIT.exchange(hapDenied, PAYLOAD), "listener deny 198.51.100.0/24");
    assertEquals("", ProxyProtocolIT.exchange(hapRouteDenied, PAYLOAD), "route deny 203.0.113.66");
    assertEquals(before + 2, rejections("denied"));
  }

  @Test
  void haproxySendProxyV2SslCnTlvsReachTheAccessLog() throws Exception {
    TestCerts.CertAndKey client = TestCerts.leaf("client.example.com");
    try (ClosedConnections closed = new ClosedConnections(node.vertx())) {
      ExternalProcess.Result r = ExternalProcess.run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + hapSslCn,
          "-servername", "edge.example.com", "-cert", client.certPem().toString(), "-key", client.keyPem().toString(),
          "-quiet", "-ign_eof"), PAYLOAD, WAIT);
      assertTrue(r.stdout().contains("docs"), r::toString);
      ConnectionClosed c = closed.await(e -> e.realClient() != null && e.realClient().startsWith("203.0.113.9:"), WAIT);
      assertEquals("client.example.com", c.proxyTlvs().get("ssl.cn"), c.toJsonLine());
      assertTrue(c.proxyTlvs().get("ssl.version").startsWith("TLSv1."), c.toJsonLine());
      docs.next(WAIT);
    }
  }

  @Test
  void aHeaderlessConnectionToARequiredListenerIsDropped() throws Exception {
    double before = rejections("bad_proxy_header");
    assertEquals("", ProxyProtocolIT.exchange(node.port("from-proxies"), PAYLOAD));
    assertEquals(before + 1, rejections("bad_proxy_header"));
  }

  private static byte[] upstreamV2(String client, int port) {
    return ProxyHeaderWriter.v2(new InetSocketAddress(client, port), new InetSocketAddress("192.0.2.10", 443),
        ProxyHeader.Transport.STREAM, List.of(), true);
  }

  private static byte[] request(String host) {
    return ("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\nhello!\n").getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void haproxyAcceptProxyLogsTheClientAndTheTlvsL4muxSent() throws Exception {
    assertEquals("behind-haproxy\n", ProxyProtocolIT.exchange(node.port("to-haproxy"), concat(upstreamV2("203.0.113.7", 40001), request("v1.example.com"))));
    assertTrue(new String(behindHaproxy.next(WAIT), StandardCharsets.US_ASCII).startsWith("GET / HTTP/1.0"), "HAProxy stripped l4mux's header");
    assertTrue(haproxy.awaitStderr(e -> e.contains("pp client=203.0.113.7:40001 "), WAIT), haproxy::stderr);
    assertEquals("behind-haproxy\n", ProxyProtocolIT.exchange(node.port("to-haproxy"), concat(upstreamV2("203.0.113.7", 40002), request("www.example.com"))));
    behindHaproxy.next(WAIT);
    assertTrue(haproxy.awaitStderr(e -> e.lines().anyMatch(l -> l.startsWith("pp client=203.0.113.7:40002 authority=www.example.com uid=") && l.matches(".*uid=.+:\\d+$")), WAIT),
        haproxy::stderr);
  }

  @Test
  void nginxProxyProtocolOnSendsTheClientItWasToldAbout() throws Exception {
    byte[] v1 = "PROXY TCP4 203.0.113.7 192.0.2.10 40003 443\r\n".getBytes(StandardCharsets.US_ASCII);
    try (ClosedConnections closed = new ClosedConnections(node.vertx())) {
      assertEquals("docs\n", ProxyProtocolIT.exchange(nginxSender, concat(v1, PAYLOAD)));
      assertEquals("hello!\n", new String(docs.next(WAIT), StandardCharsets.US_ASCII));
      closed.await(c -> "203.0.113.7:40003".equals(c.realClient()), WAIT);
    }
  }

  @Test
  void nginxListenProxyProtocolReadsL4muxV1AndV2() throws Exception {
    assertEquals("behind-nginx\n", ProxyProtocolIT.exchange(node.port("to-nginx"), concat(upstreamV2("203.0.113.7", 40004), request("v1.example.com"))));
    behindNginx.next(WAIT);
    assertEquals("behind-nginx\n", ProxyProtocolIT.exchange(node.port("to-nginx"), concat(upstreamV2("2001:db8::7", 40005), request("www.example.com"))));
    behindNginx.next(WAIT);
    Path log = dir.resolve("access.log");
    long deadline = System.nanoTime() + WAIT.toNanos();
    String text = "";
    while (System.nanoTime() < deadline && !(text.contains("203.0.113.7:40004") && text.contains("2001:db8::7:40005"))) {
      Thread.sleep(50);
      text = Files.exists(log) ? Files.readString(log) : "";
    }
    assertTrue(text.contains("pp client=203.0.113.7:40004 peer=127.0.0.1"), text);
    assertTrue(text.contains("pp client=2001:db8::7:40005 peer=127.0.0.1"), text);
  }
}
