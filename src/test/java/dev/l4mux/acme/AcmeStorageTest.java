package dev.l4mux.acme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.config.AcmeConfig;
import dev.l4mux.testsupport.TempDirs;
import dev.l4mux.tls.PemFiles;
import dev.l4mux.tls.ServedCertificate;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The storage directory, the shared-map form of a certificate, the placeholder and certificate ids. */
class AcmeStorageTest {

  private final Path dir = TempDirs.create("l4mux-acme-storage");

  static {
    AcmeManager.registerBouncyCastle(); // as a node does
  }

  @AfterEach
  void delete() {
    TempDirs.delete(dir);
  }

  @Test
  void keepsTheAccountKeyAndCertificatesOwnerOnlyAndReadsThemBack() throws Exception {
    AcmeStorage storage = new AcmeStorage(dir.resolve("acme"));
    KeyPair account = storage.accountKey();
    assertArrayEquals(account.getPublic().getEncoded(), new AcmeStorage(dir.resolve("acme")).accountKey().getPublic().getEncoded());
    assertNull(storage.certificate("shop.test-0123"));
    PemFiles.CertifiedKey placeholder = Placeholder.mint(List.of("shop.test", "www.shop.test"));
    storage.store("shop.test-0123", placeholder);
    PemFiles.CertifiedKey read = storage.certificate("shop.test-0123");
    assertEquals(placeholder.leaf(), read.leaf());
    assertArrayEquals(placeholder.key().getEncoded(), read.key().getEncoded());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("acme"))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("acme/shop.test-0123"))));
    for (String file : List.of("account.key", "shop.test-0123/chain.pem", "shop.test-0123/key.pem")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("acme").resolve(file))), file);
    }
  }

  @Test
  void aSharedCertificateReadsBackAsTheSame() {
    PemFiles.CertifiedKey placeholder = Placeholder.mint(List.of("shop.test"));
    JsonObject json = AcmeStorage.json("shop.test-0123", placeholder, "n1");
    assertEquals("n1", json.getString("by"));
    PemFiles.CertifiedKey read = AcmeStorage.parse(new JsonObject(json.encode()));
    assertEquals(placeholder.leaf(), read.leaf());
    assertEquals("EC", read.key().getAlgorithm()); // a JDK key, whatever BouncyCastle's converter made
    assertThrows(IllegalArgumentException.class, () -> AcmeStorage.parse(new JsonObject().put("chain", "x").put("key", "y")));
  }

  @Test
  void thePlaceholderIsSelfSignedForTheDomains() {
    ServedCertificate served = ServedCertificate.held("shop", Placeholder.mint(List.of("shop.test", "www.shop.test")),
        ServedCertificate.Source.PLACEHOLDER);
    assertEquals(List.of("shop.test", "www.shop.test"), served.names());
    assertEquals(served.subject(), served.issuer());
    assertTrue(served.notAfter().isAfter(java.time.Instant.now()));
  }

  @Test
  void aCertificateIdNamesItsFirstDomainAndDependsOnDirectoryAndDomains() {
    AcmeConfig a = new AcmeConfig("https://a.test/dir", null, List.of("shop.test"), AcmeConfig.Challenge.TLS_ALPN_01, "acme", null);
    AcmeConfig sameButEmail = new AcmeConfig("https://a.test/dir", "x@y.test", List.of("shop.test"), AcmeConfig.Challenge.HTTP_01, "s", null);
    AcmeConfig otherCa = new AcmeConfig("https://b.test/dir", null, List.of("shop.test"), AcmeConfig.Challenge.TLS_ALPN_01, "acme", null);
    assertTrue(AcmeManager.id(a).startsWith("shop.test-"), AcmeManager.id(a));
    assertEquals(AcmeManager.id(a), AcmeManager.id(sameButEmail));
    assertNotEquals(AcmeManager.id(a), AcmeManager.id(otherCa));
  }
}
