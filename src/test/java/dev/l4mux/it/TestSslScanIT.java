package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.TempDirs;
import dev.l4mux.testsupport.Teardown;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Debian's {@code testssl.sh} against a terminating listener with the secure defaults (ECDSA
 * P-256, no {@code minVersion} or {@code ciphers} set): protocols, cipher categories, forward
 * secrecy, server preferences and defaults, and every vulnerability check it has. Every finding
 * must be {@code OK} or {@code INFO}, except the few that are about the test's certificate or DNS
 * rather than l4mux ({@link #NOT_ABOUT_L4MUX}). Runs on the OpenSSL engine here and on the JDK's
 * in the {@code jdk-tls-engine} execution; the findings go to {@code target/testssl-<engine>.json}
 * (docs/tls.md has the last result).
 */
class TestSslScanIT {

  /** Finding ids whose severity depends on the certificate or the name, not on the proxy. */
  private static final Set<String> NOT_ABOUT_L4MUX = Set.of(
      "DNS_CAArecord", // a CAA record in the DNS for the certificate's name (localhost has none)
      "cert_trust"); // reported for the name, checked below by chain of trust instead

  private static final Set<String> FINE = Set.of("OK", "INFO");

  private static Path dir;
  private static Vertx vertx;
  private static TaggedBackend http;
  private static L4muxTestNode node;

  @BeforeAll
  static void start() throws Exception {
    dir = TempDirs.create("l4mux-testssl");
    // A CA and a one-year ECDSA P-256 leaf for localhost with a CRL pointer and no OCSP URI, as
    // Let's Encrypt issues them since it ended OCSP in 2025 (never fetched: testssl does not phone
    // out by default). With an OCSP URI, testssl asks for stapling, which l4mux does not do (LOW;
    // docs/tls.md).
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650",
        "-subj", "/CN=l4mux-testssl-ca", "-keyout", dir.resolve("ca.key").toString(), "-out", dir.resolve("ca.pem").toString(),
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost",
        "-keyout", dir.resolve("leaf.key").toString(), "-out", dir.resolve("leaf.csr").toString());
    Files.writeString(dir.resolve("leaf.ext"), """
        subjectAltName=DNS:localhost
        basicConstraints=CA:FALSE
        keyUsage=critical,digitalSignature
        extendedKeyUsage=serverAuth
        crlDistributionPoints=URI:http://127.0.0.1:9/l4mux-testssl-ca.crl
        """);
    run("openssl", "x509", "-req", "-in", dir.resolve("leaf.csr").toString(), "-CA", dir.resolve("ca.pem").toString(),
        "-CAkey", dir.resolve("ca.key").toString(), "-CAcreateserial", "-days", "365", "-extfile", dir.resolve("leaf.ext").toString(),
        "-out", dir.resolve("leaf.pem").toString());
    vertx = Vertx.vertx();
    http = TaggedBackends.http(vertx, "behind-tls").await(10, TimeUnit.SECONDS);
    // protocol: tls without an SNI list also takes ClientHellos without SNI, which some of
    // testssl's probes send (the renegotiation check among them).
    node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - name: tls
            bind: ["127.0.0.1:0"]
        routes:
          - name: terminate
            match: { protocol: tls }
            tls: { mode: terminate, cert: "%s", key: "%s", alpn: [h2, http/1.1] }
            backends: [ { address: "127.0.0.1:%d" } ]
        """.formatted(dir.resolve("leaf.pem"), dir.resolve("leaf.key"), http.port()));
  }

  @AfterAll
  static void stop() throws Exception {
    Teardown.closeAll(node, Teardown.vertx(vertx), Teardown.dir(dir));
  }

  @Test
  void noVulnerabilityNoWeakCipherNoOldProtocol() throws Exception {
    Path json = dir.resolve("testssl.json");
    ExternalProcess.Result r = ExternalProcess.run(List.of("testssl", "--quiet", "--color", "0", "--warnings", "off",
        "--add-ca", dir.resolve("ca.pem").toString(), "--ip", "127.0.0.1", "--jsonfile", json.toString(),
        "-p", "-s", "-f", "-P", "-S", "-U", "localhost:" + node.port("tls")), new byte[0], Duration.ofMinutes(12));
    assertTrue(Files.exists(json), r::toString);
    String engine = System.getProperty("l4mux.tlsEngine", "openssl");
    Path kept = Path.of("target", "testssl-" + engine + ".json");
    Files.createDirectories(kept.getParent());
    Files.copy(json, kept, StandardCopyOption.REPLACE_EXISTING);
    JsonArray findings = new JsonArray(Files.readString(json));
    List<String> bad = new ArrayList<>();
    Map<String, String> byId = new java.util.HashMap<>();
    for (Object o : findings) {
      JsonObject f = (JsonObject) o;
      byId.put(f.getString("id"), f.getString("finding"));
      if (!FINE.contains(f.getString("severity")) && !NOT_ABOUT_L4MUX.contains(f.getString("id"))) {
        bad.add(f.getString("severity") + " " + f.getString("id") + ": " + f.getString("finding"));
      }
    }
    assertEquals(List.of(), bad, "testssl findings above INFO (all: " + kept.toAbsolutePath() + ")");
    // The checks ran, and said what they should (a finding missing would pass the loop above).
    for (String old : List.of("SSLv2", "SSLv3", "TLS1", "TLS1_1")) {
      assertEquals("not offered", byId.get(old), old);
    }
    assertTrue(byId.get("TLS1_3").startsWith("offered"), byId::toString);
    for (String weak : List.of("cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT", "cipherlist_LOW", "cipherlist_3DES_IDEA",
        "cipherlist_AVERAGE")) {
      assertEquals("not offered", byId.get(weak), weak);
    }
    assertEquals("offered", byId.get("cipherlist_STRONG"));
    assertTrue(byId.get("secure_renego").contains("supported"), byId.get("secure_renego"));
    assertTrue(byId.get("cert_chain_of_trust").startsWith("passed"), byId.get("cert_chain_of_trust"));
    for (String vulnerability : List.of("heartbleed", "CCS", "ticketbleed", "ROBOT", "secure_client_renego", "CRIME_TLS", "BREACH",
        "POODLE_SSL", "fallback_SCSV", "SWEET32", "FREAK", "DROWN", "LOGJAM", "BEAST", "LUCKY13", "RC4")) {
      assertTrue(byId.containsKey(vulnerability), "checked: " + vulnerability);
    }
  }

  private static void run(String... command) {
    ExternalProcess.Result r = ExternalProcess.run(List.of(command), new byte[0], Duration.ofMinutes(1));
    assertEquals(0, r.exitCode(), r::toString);
  }
}
