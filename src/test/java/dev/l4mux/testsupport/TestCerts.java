package dev.l4mux.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * EC P-256 test certificates made with the {@code openssl} CLI: one self-signed CA per JVM and
 * leaf certificates signed by it for given DNS names. Everything is cached per JVM and lives in a
 * temp dir deleted at exit. Keys are unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}), which
 * Vert.x {@code PemKeyCertOptions} and {@code openssl s_server} read directly; clients trust
 * {@code ca().certPem()} (Vert.x {@code PemTrustOptions}, {@code openssl s_client -CAfile},
 * {@code curl --cacert}).
 *
 * <pre>{@code
 * TestCerts.CertAndKey a = TestCerts.leaf("a.test");       // CN=a.test, SAN DNS:a.test
 * TestCerts.CertAndKey ab = TestCerts.leaf("a.test", "b.test");
 * new PemKeyCertOptions().setCertPath(a.certPem().toString()).setKeyPath(a.keyPem().toString());
 * }</pre>
 */
public final class TestCerts {

  /** A PEM certificate and its unencrypted PEM private key. */
  public record CertAndKey(Path certPem, Path keyPem) {}

  private static final Duration OPENSSL_TIMEOUT = Duration.ofSeconds(30);

  // Own config so the result does not depend on the distribution's openssl.cnf defaults.
  private static final String CONFIG =
      String.join(
          "\n",
          "[req]",
          "distinguished_name = dn",
          "[dn]",
          "[ca_ext]",
          "basicConstraints = critical,CA:TRUE",
          "keyUsage = critical,keyCertSign,cRLSign",
          "subjectKeyIdentifier = hash",
          "[leaf_ext]",
          "basicConstraints = critical,CA:FALSE",
          "keyUsage = critical,digitalSignature",
          "extendedKeyUsage = serverAuth,clientAuth",
          "subjectKeyIdentifier = hash",
          "authorityKeyIdentifier = keyid",
          "");

  private static Path dir;
  private static CertAndKey ca;
  private static final Map<List<String>, CertAndKey> LEAVES = new HashMap<>();

  private TestCerts() {}

  /** The JVM-wide self-signed CA ({@code CN=l4mux-test-ca}), valid for two days. */
  public static synchronized CertAndKey ca() {
    if (ca == null) {
      ca = openssl("ca", "l4mux-test-ca", "ca_ext", List.of());
    }
    return ca;
  }

  /**
   * A leaf certificate signed by {@link #ca()} with {@code CN=dnsNames[0]} and every name as a
   * {@code DNS} subject alternative name (wildcards such as {@code *.test} are allowed). Same
   * names, same files.
   */
  public static synchronized CertAndKey leaf(String... dnsNames) {
    if (dnsNames.length == 0) {
      throw new IllegalArgumentException("at least one DNS name");
    }
    List<String> names = List.of(dnsNames);
    CertAndKey cached = LEAVES.get(names);
    if (cached == null) {
      List<String> extra = new ArrayList<>();
      extra.add("-addext");
      extra.add(names.stream().map(n -> "DNS:" + n).collect(Collectors.joining(",", "subjectAltName=", "")));
      CertAndKey issuer = ca();
      extra.addAll(List.of("-CA", issuer.certPem().toString(), "-CAkey", issuer.keyPem().toString()));
      cached = openssl("leaf-" + LEAVES.size(), names.get(0), "leaf_ext", extra);
      LEAVES.put(names, cached);
    }
    return cached;
  }

  private static CertAndKey openssl(String file, String cn, String extensions, List<String> extra) {
    Path base = dir();
    CertAndKey out = new CertAndKey(base.resolve(file + ".pem"), base.resolve(file + ".key"));
    List<String> cmd =
        new ArrayList<>(
            Arrays.asList(
                "openssl", "req", "-config", base.resolve("openssl.cnf").toString(),
                "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-days", "2", "-subj", "/CN=" + cn, "-extensions", extensions,
                "-keyout", out.keyPem().toString(), "-out", out.certPem().toString()));
    cmd.addAll(extra);
    ExternalProcess.Result r = ExternalProcess.run(cmd, new byte[0], OPENSSL_TIMEOUT);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("openssl failed: " + cmd + "\n" + r.stderr());
    }
    return out;
  }

  private static Path dir() {
    if (dir == null) {
      Path created = TempDirs.create("l4mux-certs");
      try {
        Files.writeString(created.resolve("openssl.cnf"), CONFIG);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      dir = created;
    }
    return dir;
  }
}
