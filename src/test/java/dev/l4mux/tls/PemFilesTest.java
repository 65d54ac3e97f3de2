package dev.l4mux.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.TempDirs;
import dev.l4mux.testsupport.TestCerts;
import dev.l4mux.testsupport.TlsKeyFiles;
import dev.l4mux.testsupport.TlsKeyFiles.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PEM keys and chains as openssl writes them, and the errors for what l4mux cannot use. */
class PemFilesTest {

  private static Path dir;

  @BeforeAll
  static void createDir() {
    dir = TempDirs.create("l4mux-pem");
  }

  @AfterAll
  static void deleteDir() {
    TempDirs.delete(dir);
  }

  @Test
  void readsAnRsaKeyInPkcs1() throws Exception {
    TestCerts.CertAndKey files = TlsKeyFiles.leaf(dir, "rsa", KeyType.RSA_PKCS1, "rsa.test");
    assertTrue(Files.readString(files.keyPem()).contains("BEGIN RSA PRIVATE KEY"));
    PemFiles.CertifiedKey loaded = PemFiles.certifiedKey(files.certPem(), files.keyPem());
    assertEquals("RSA", loaded.key().getAlgorithm());
    assertEquals(List.of("rsa.test"), ServedCertificate.dnsNames(loaded.leaf()));
  }

  @Test
  void readsAnEcKeyInSec1WithItsParametersBlock() throws Exception {
    TestCerts.CertAndKey files = TlsKeyFiles.leaf(dir, "ec", KeyType.EC_SEC1, "ec.test", "*.ec.test");
    String pem = Files.readString(files.keyPem());
    assertTrue(pem.contains("BEGIN EC PARAMETERS") && pem.contains("BEGIN EC PRIVATE KEY"), pem);
    PemFiles.CertifiedKey loaded = PemFiles.certifiedKey(files.certPem(), files.keyPem());
    assertEquals("EC", loaded.key().getAlgorithm());
    assertEquals(List.of("ec.test", "*.ec.test"), ServedCertificate.dnsNames(loaded.leaf()));
  }

  @Test
  void readsAnEd25519KeyInPkcs8() throws Exception {
    TestCerts.CertAndKey files = TlsKeyFiles.leaf(dir, "ed", KeyType.ED25519_PKCS8, "ed.test");
    assertTrue(Files.readString(files.keyPem()).contains("BEGIN PRIVATE KEY"));
    PemFiles.CertifiedKey loaded = PemFiles.certifiedKey(files.certPem(), files.keyPem());
    assertTrue(List.of("Ed25519", "EdDSA").contains(loaded.key().getAlgorithm()), loaded.key().getAlgorithm());
  }

  @Test
  void readsAChainLeafFirst() throws Exception {
    TestCerts.CertAndKey leaf = TestCerts.leaf("chain.test");
    Path chain = dir.resolve("chain.pem");
    Files.writeString(chain, Files.readString(leaf.certPem()) + Files.readString(TestCerts.ca().certPem()));
    PemFiles.CertifiedKey loaded = PemFiles.certifiedKey(chain, leaf.keyPem());
    assertEquals(2, loaded.chain().size());
    assertEquals("CN=chain.test", loaded.leaf().getSubjectX500Principal().getName());
    assertEquals("CN=l4mux-test-ca", loaded.chain().get(1).getSubjectX500Principal().getName());
  }

  @Test
  void refusesAnEncryptedKeyNamingTheFile() {
    TestCerts.CertAndKey files = TlsKeyFiles.leaf(dir, "enc", KeyType.EC_ENCRYPTED_PKCS8, "enc.test");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PemFiles.certifiedKey(files.certPem(), files.keyPem()));
    assertTrue(e.getMessage().startsWith(files.keyPem() + ": the private key is encrypted"), e.getMessage());
  }

  @Test
  void refusesAKeyOfAnotherCertificate() {
    TestCerts.CertAndKey a = TestCerts.leaf("a.mismatch.test");
    TestCerts.CertAndKey b = TestCerts.leaf("b.mismatch.test");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PemFiles.certifiedKey(a.certPem(), b.keyPem()));
    assertTrue(e.getMessage().contains("does not belong to the first certificate in " + a.certPem()), e.getMessage());
  }

  @Test
  void refusesAnRsaKeyForAnEcCertificate() {
    TestCerts.CertAndKey ec = TestCerts.leaf("ec-cert.test");
    TestCerts.CertAndKey rsa = TlsKeyFiles.leaf(dir, "rsa2", KeyType.RSA_PKCS1, "rsa2.test");
    assertThrows(IllegalArgumentException.class, () -> PemFiles.certifiedKey(ec.certPem(), rsa.keyPem()));
  }

  @Test
  void namesTheFileForMissingOrWrongContent() throws Exception {
    Path missing = dir.resolve("missing.pem");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PemFiles.certificates(missing)).getMessage().startsWith(missing + ": cannot read"));
    Path text = dir.resolve("text.pem");
    Files.writeString(text, "not pem\n");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PemFiles.certificates(text)).getMessage().startsWith(text.toString()));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PemFiles.privateKey(text)).getMessage().startsWith(text + ": no private key"));
    Path certAsKey = TestCerts.leaf("cert-as-key.test").certPem();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> PemFiles.privateKey(certAsKey)).getMessage()
        .equals(certAsKey + ": expected a private key, found a certificate"));
  }
}
