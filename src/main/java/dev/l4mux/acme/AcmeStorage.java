package dev.l4mux.acme;

import dev.l4mux.tls.PemFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.shredzone.acme4j.util.KeyPairUtils;

/**
 * The {@code storage} directory of ACME routes: {@code account.key} (the ACME account's key pair)
 * and one directory per certificate with {@code chain.pem} and {@code key.pem}. Directories are
 * made 0700 and files 0600 (the keys are secrets); files are replaced whole (written beside, then
 * moved), so a crash never leaves half a key. Blocking: call on a worker.
 */
final class AcmeStorage {

  private final Path root;

  AcmeStorage(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  Path root() {
    return root;
  }

  /** The account key, made and stored on first use. */
  KeyPair accountKey() {
    synchronized (AcmeStorage.class) { // routes with the same storage share one account key
      return readOrMakeAccountKey();
    }
  }

  private KeyPair readOrMakeAccountKey() {
    Path file = root.resolve("account.key");
    try {
      if (Files.exists(file)) {
        try (StringReader reader = new StringReader(Files.readString(file))) {
          return KeyPairUtils.readKeyPair(reader);
        }
      }
      KeyPair key = KeyPairUtils.createECKeyPair("secp256r1");
      StringWriter pem = new StringWriter();
      KeyPairUtils.writeKeyPair(key, pem);
      write(file, pem.toString());
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  /** The stored certificate with its key, or null when there is none (or it does not load). */
  PemFiles.CertifiedKey certificate(String id) {
    Path chain = root.resolve(id).resolve("chain.pem");
    Path key = root.resolve(id).resolve("key.pem");
    if (!Files.exists(chain) || !Files.exists(key)) {
      return null;
    }
    return PemFiles.certifiedKey(chain, key);
  }

  void store(String id, PemFiles.CertifiedKey certified) {
    write(root.resolve(id).resolve("key.pem"), pem(List.of(certified.key())));
    write(root.resolve(id).resolve("chain.pem"), pem(certified.chain()));
  }

  static String pem(List<?> objects) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      for (Object object : objects) {
        writer.writeObject(object);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** A certificate as shared between nodes: its chain and key in PEM, and the node that obtained it. */
  static io.vertx.core.json.JsonObject json(String id, PemFiles.CertifiedKey certified, String node) {
    return new io.vertx.core.json.JsonObject().put("id", id).put("chain", pem(certified.chain())).put("key", pem(List.of(certified.key())))
        .put("by", node).put("at", java.time.Instant.now().toString());
  }

  /** The certificate of {@link #json}; {@link IllegalArgumentException} when it does not read. */
  static PemFiles.CertifiedKey parse(io.vertx.core.json.JsonObject json) {
    try {
      List<X509Certificate> chain = java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificates(new java.io.ByteArrayInputStream(json.getString("chain").getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
          .stream().map(c -> (X509Certificate) c).toList();
      try (org.bouncycastle.openssl.PEMParser parser = new org.bouncycastle.openssl.PEMParser(new StringReader(json.getString("key")))) {
        Object key = parser.readObject();
        org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter converter = new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter();
        java.security.PrivateKey privateKey = key instanceof org.bouncycastle.openssl.PEMKeyPair pair
            ? converter.getPrivateKey(pair.getPrivateKeyInfo())
            : converter.getPrivateKey((org.bouncycastle.asn1.pkcs.PrivateKeyInfo) key);
        if (chain.isEmpty()) {
          throw new IllegalArgumentException("no certificate");
        }
        return new PemFiles.CertifiedKey(chain, PemFiles.jdkKey(privateKey));
      }
    } catch (java.security.cert.CertificateException | IOException | ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("unreadable shared certificate: " + e, e);
    }
  }

  private void write(Path file, String text) {
    try {
      directory(file.getParent());
      Path partial = file.resolveSibling(file.getFileName() + ".partial");
      Files.deleteIfExists(partial);
      Files.createFile(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(partial, text);
      try {
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  private void directory(Path dir) throws IOException {
    for (Path d : List.of(root, dir)) {
      if (!Files.isDirectory(d)) {
        Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------")); // despite the umask
      }
    }
  }
}
