package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.Pebble;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.TempDirs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two clustered node processes (real Hazelcast on 127.0.0.1) share one ACME route and one TLS port
 * (SO_REUSEPORT, so pebble's validation reaches either node): one certificate is ordered once, by
 * one node, and both serve it. Each node runs in a directory of its own, so the other node's copy
 * can only have come through the cluster.
 */
class AcmeClusterIT {

  private static final Duration READY = Duration.ofMinutes(2);
  private static final Duration WAIT = Duration.ofSeconds(120);

  private static Path dir;
  private static Vertx vertx;
  private static TaggedBackend echo;
  private static Pebble pebble;
  private static int tlsPort;
  private static final List<JarNode> nodes = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dir = TempDirs.create("l4mux-acme-cluster-it");
    vertx = Vertx.vertx();
    echo = TaggedBackends.tcpGreeting(vertx, "echo").await(10, TimeUnit.SECONDS);
    tlsPort = ClusterIT.portOutsideTheEphemeralRange();
    pebble = Pebble.start(dir.resolve("pebble"), ClusterIT.portOutsideTheEphemeralRange(), tlsPort, 3600);
    Path clusterXml = dir.resolve("cluster.xml");
    Files.writeString(clusterXml, ClusterIT.clusterXml(ClusterIT.consecutiveFreePorts(2)));
    Path config = dir.resolve("l4mux.yaml");
    Files.writeString(config, """
        listeners:
          - { name: tls, bind: ["127.0.0.1:%d"] }
        routes:
          - name: site
            match: { sni: [cluster.test] }
            tls:
              mode: terminate
              acme: { directory: "%s", challenge: tls-alpn-01, storage: acme, trust: "%s" }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(tlsPort, pebble.directory(), pebble.trust(), echo.port()));
    for (String name : List.of("n1", "n2")) {
      Path home = Files.createDirectories(dir.resolve(name));
      List<String> args = name.equals("n1") ? List.of("-cluster", "-conf", config.toString()) : List.of("-cluster", "-conf", "{}");
      nodes.add(JarNode.start(name, ClusterIT.portOutsideTheEphemeralRange(), List.of("L4MUX_CLUSTER_CONFIG=" + clusterXml), args, home));
    }
    for (JarNode node : nodes) {
      node.awaitReady(READY);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    Path logs = JarNode.jar().resolveSibling("acme-cluster-it");
    Files.createDirectories(logs);
    for (JarNode node : nodes) {
      Files.writeString(logs.resolve(node.name() + ".log"), node.process().stdout() + node.process().stderr());
    }
    nodes.forEach(JarNode::close);
    if (pebble != null) {
      Files.writeString(logs.resolve("pebble.log"), pebble.log());
      pebble.close();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    TempDirs.delete(dir);
  }

  @Test
  void oneNodeOrdersOnceAndBothServeTheCertificate() throws Exception {
    List<JsonObject> served = new ArrayList<>();
    for (JarNode node : nodes) {
      served.add(awaitAcmeCertificate(node));
    }
    String serial = served.get(0).getString("serial");
    assertEquals(serial, served.get(1).getString("serial"), () -> served.toString());

    // Exactly one order in the cluster: one node logged it, the other took the shared certificate.
    int orders = 0;
    Set<String> obtainedBy = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      Matcher m = Pattern.compile("ordering from").matcher(nodes.get(i).process().stdout() + nodes.get(i).process().stderr());
      while (m.find()) {
        orders++;
      }
      obtainedBy.add(served.get(i).getJsonObject("acme").getString("obtainedBy"));
    }
    assertEquals(1, orders, () -> served.toString());
    assertEquals(1, obtainedBy.size(), obtainedBy::toString); // both name the same node
    assertTrue(Set.of("n1", "n2").containsAll(obtainedBy), obtainedBy::toString);

    // Whichever node the kernel hands a connection to, it serves that certificate, trusted by pebble's root.
    SSLContext context = trusting(pebble.root());
    for (int i = 0; i < 20; i++) {
      assertEquals(serial, serial(context));
    }
    // Each node keeps its own copy in its own storage.
    for (JarNode node : nodes) {
      try (var ids = Files.list(dir.resolve(node.name()).resolve("acme"))) {
        assertTrue(ids.anyMatch(p -> Files.exists(p.resolve("chain.pem"))), node.name());
      }
    }
  }

  private static JsonObject awaitAcmeCertificate(JarNode node) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      JsonObject all = new JsonObject(node.get("/api/certificates").body());
      if (!all.getJsonArray("certificates").isEmpty()) {
        last = all.getJsonArray("certificates").getJsonObject(0);
        if (!last.getBoolean("placeholder")) {
          return last;
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError(node.name() + " has no ACME certificate: " + last + "\n" + node.process().stdout() + node.process().stderr());
  }

  private static String serial(SSLContext context) throws Exception {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", tlsPort)) {
      socket.setSoTimeout((int) WAIT.toMillis());
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setServerNames(List.of(new SNIHostName("cluster.test")));
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      assertEquals("echo\n", new String(socket.getInputStream().readNBytes(5), StandardCharsets.US_ASCII));
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
    }
  }

  private static SSLContext trusting(X509Certificate root) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("pebble-root", root);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
