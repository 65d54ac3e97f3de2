package dev.l4mux.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a configuration may name built in: demo backends and a self-signed certificate. */
class BuiltinConfigTest {

  private static List<String> errors(String yaml) {
    return ConfigParser.validate(ConfigFiles.parseText(yaml)).stream().map(ConfigError::toString).toList();
  }

  @Test
  void namesEachBuiltInBackendAsWritten() {
    L4muxConfig config = ConfigParser.parse(ConfigFiles.parseText(
        "routes: [{name: r, backends: [{address: 'builtin:http'}, {address: 'builtin:tls'}, {address: 'builtin:echo'}, {address: '127.0.0.1:80'}]}]"));
    List<HostPort> addresses = config.routes().get(0).backends().stream().map(BackendConfig::address).toList();
    assertEquals(List.of("builtin:http", "builtin:tls", "builtin:echo", "127.0.0.1:80"), addresses.stream().map(HostPort::toString).toList());
    assertEquals(List.of(true, true, true, false), addresses.stream().map(HostPort::isBuiltin).toList());
  }

  @Test
  void refusesAnUnknownBuiltInBackend() {
    assertEquals(List.of("routes[0].backends[0].address: 'builtin:smtp' is not a built-in backend (one of builtin:http, builtin:tls, builtin:echo)"),
        errors("routes: [{name: r, backends: [{address: 'builtin:smtp'}]}]"));
  }

  @Test
  void aHostNamedLikeAPortIsNotBuiltIn() {
    assertFalse(new HostPort("builtin", 80).isBuiltin());
    assertEquals("builtin:80", new HostPort("builtin", 80).toString());
  }

  @Test
  void selfSignedIsAskedForExplicitlyAndTakesNoKey() {
    L4muxConfig config = ConfigParser.parse(ConfigFiles.parseText(
        "routes: [{name: r, tls: {mode: terminate, cert: 'builtin:self-signed'}, backends: [{address: 'builtin:http'}]}]"));
    TlsConfig.CertificateFiles files = config.routes().get(0).tls().certificates().get(0);
    assertTrue(files.selfSigned());
    assertEquals(List.of("routes[0].tls.key: not used with cert: builtin:self-signed (its key is minted with it)"),
        errors("routes: [{name: r, tls: {mode: terminate, cert: 'builtin:self-signed', key: k.pem}, backends: [{address: 'builtin:http'}]}]"));
    assertEquals(List.of("routes[0].tls.cert: only used with mode terminate or reencrypt"),
        errors("routes: [{name: r, tls: {cert: 'builtin:self-signed'}, backends: [{address: 'builtin:http'}]}]"));
    assertFalse(new TlsConfig.CertificateFiles("builtin:self-signed", "k.pem").selfSigned());
  }
}
