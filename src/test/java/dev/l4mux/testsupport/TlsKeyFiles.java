package dev.l4mux.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Leaf certificates signed by {@link TestCerts#ca()} with keys in each PEM form l4mux reads, made
 * with the {@code openssl} CLI (3.0): RSA in PKCS#1 ({@code genrsa -traditional}), ECDSA P-256 in
 * SEC1 with its {@code EC PARAMETERS} block ({@code ecparam -genkey}), Ed25519 in PKCS#8 ({@code
 * genpkey}), and an AES-encrypted PKCS#8 key ({@code genpkey -aes256}). Every call makes new files
 * (a new key and serial number) in {@code dir}.
 */
public final class TlsKeyFiles {

  public enum KeyType { RSA_PKCS1, EC_SEC1, ED25519_PKCS8, EC_ENCRYPTED_PKCS8 }

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String CONFIG = String.join("\n",
      "[req]", "distinguished_name = dn", "[dn]", "[leaf_ext]",
      "basicConstraints = critical,CA:FALSE", "keyUsage = critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage = serverAuth,clientAuth", "subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid", "");

  private TlsKeyFiles() {}

  /** A new key of {@code type} and a certificate for {@code names} ({@code CN=names[0]}), as {@code dir/base.pem|.key}. */
  public static TestCerts.CertAndKey leaf(Path dir, String base, KeyType type, String... names) {
    try {
      Files.createDirectories(dir);
      Path config = dir.resolve("leaf-openssl.cnf");
      Files.writeString(config, CONFIG);
      Path key = dir.resolve(base + ".key");
      Path cert = dir.resolve(base + ".pem");
      switch (type) {
        case RSA_PKCS1 -> run("openssl", "genrsa", "-traditional", "-out", key.toString(), "2048");
        case EC_SEC1 -> run("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-out", key.toString());
        case ED25519_PKCS8 -> run("openssl", "genpkey", "-algorithm", "ed25519", "-out", key.toString());
        case EC_ENCRYPTED_PKCS8 -> run("openssl", "genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-aes256", "-pass", "pass:secret", "-out", key.toString());
      }
      TestCerts.CertAndKey ca = TestCerts.ca();
      List<String> cmd = new ArrayList<>(List.of("openssl", "req", "-config", config.toString(), "-x509", "-key", key.toString(),
          "-days", "2", "-subj", "/CN=" + names[0], "-extensions", "leaf_ext",
          "-addext", List.of(names).stream().map(n -> "DNS:" + n).collect(Collectors.joining(",", "subjectAltName=", "")),
          "-CA", ca.certPem().toString(), "-CAkey", ca.keyPem().toString(), "-out", cert.toString()));
      if (type == KeyType.EC_ENCRYPTED_PKCS8) {
        cmd.addAll(List.of("-passin", "pass:secret"));
      }
      run(cmd.toArray(String[]::new));
      return new TestCerts.CertAndKey(cert, key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The serial number of a PEM certificate, lower-case hex without leading zeros. */
  public static String serial(Path cert) {
    String out = run("openssl", "x509", "-in", cert.toString(), "-noout", "-serial").trim(); // "serial=0A1B..."
    return new java.math.BigInteger(out.substring(out.indexOf('=') + 1), 16).toString(16);
  }

  private static String run(String... cmd) {
    ExternalProcess.Result r = ExternalProcess.run(List.of(cmd), new byte[0], TIMEOUT);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("failed: " + String.join(" ", cmd) + "\n" + r.stderr());
    }
    return r.stdout();
  }
}
