package dev.l4mux.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.l4mux.config.ConfigException;
import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.config.L4muxConfig;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.observe.L4muxMetrics;
import dev.l4mux.testsupport.TestCerts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which certificate a handshake gets, and how unloadable files fail a configuration. */
class CertificateStoreTest {

  private static final TestCerts.CertAndKey A = TestCerts.leaf("a.store.test");
  private static final TestCerts.CertAndKey WILD = TestCerts.leaf("*.wild.store.test");
  private static final TestCerts.CertAndKey B = TestCerts.leaf("b.store.test");

  private static L4muxConfig config() {
    return ConfigParser.parse(ConfigFiles.parseText("""
        listeners: [{name: edge, bind: ["127.0.0.1:0"]}, {name: other, bind: ["127.0.0.1:0"]}]
        routes:
          - name: first
            listeners: [edge]
            match: {sni: [a.store.test]}
            tls: {mode: terminate, certs: [{cert: "%s", key: "%s"}, {cert: "%s", key: "%s"}]}
            backends: [{address: "127.0.0.1:1"}]
          - name: catchall
            tls: {mode: terminate, cert: "%s", key: "%s"}
            backends: [{address: "127.0.0.1:1"}]
          - name: plain
            match: {protocol: ssh}
            backends: [{address: "127.0.0.1:1"}]
        """.formatted(A.certPem(), A.keyPem(), WILD.certPem(), WILD.keyPem(), B.certPem(), B.keyPem())));
  }

  private static String chosen(CertificateStore store, String listener, String route, String sni) {
    RouteConfig r = store.snapshot().config().route(route).orElseThrow();
    return store.select(listener, r, sni).certificate().names().get(0);
  }

  @Test
  void theRoutesOwnCertificatesFirstThenTheListenersThenTheRoutesDefault() {
    CertificateStore store = new CertificateStore(new L4muxMetrics(new SimpleMeterRegistry(), null));
    store.install(CertificateStore.load(config()));
    assertEquals("a.store.test", chosen(store, "edge", "first", "a.store.test"));
    assertEquals("*.wild.store.test", chosen(store, "edge", "first", "x.wild.store.test"));
    assertEquals("a.store.test", chosen(store, "edge", "first", null)); // no SNI: the first is the default
    assertEquals("b.store.test", chosen(store, "edge", "first", "b.store.test")); // another route's, same listener
    assertEquals("b.store.test", chosen(store, "edge", "catchall", "nothing.test"));
    assertEquals("a.store.test", chosen(store, "edge", "catchall", "a.store.test")); // the listener's map names it
    assertEquals("b.store.test", chosen(store, "other", "catchall", "a.store.test")); // "first" is not on "other"
    assertNull(store.select("edge", store.snapshot().config().route("plain").orElseThrow(), "a.store.test"));
  }

  @Test
  void aBorrowedCertificateGetsOneContextPerRoute() {
    CertificateStore store = new CertificateStore(new L4muxMetrics(new SimpleMeterRegistry(), null));
    store.install(CertificateStore.load(config()));
    RouteConfig catchall = store.snapshot().config().route("catchall").orElseThrow();
    CertificateStore.Selection once = store.select("edge", catchall, "a.store.test");
    assertSame(once.context(), store.select("edge", catchall, "a.store.test").context());
  }

  @Test
  void unreadableFilesFailTheConfigurationAtTheirPath() {
    L4muxConfig broken = ConfigParser.parse(ConfigFiles.parseText("""
        routes:
          - name: r
            tls: {mode: terminate, cert: "/nonexistent/c.pem", key: "%s"}
            backends: [{address: "127.0.0.1:1"}]
        """.formatted(A.keyPem())));
    ConfigException e = assertThrows(ConfigException.class, () -> CertificateStore.load(broken));
    assertEquals(List.of("routes[0].tls.cert"), e.errors().stream().map(err -> err.path()).toList());
    assertEquals("/nonexistent/c.pem: cannot read (java.nio.file.NoSuchFileException: /nonexistent/c.pem)", e.errors().get(0).message());
  }
}
