package dev.l4mux.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads PEM certificate chains and private keys: RSA, ECDSA and Ed25519 keys in PKCS#8 ({@code
 * BEGIN PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE
 * KEY}, RFC 5915, with or without the {@code EC PARAMETERS} block openssl writes before it).
 * Encrypted keys are refused: l4mux has no passphrase source. Every failure is an {@link
 * IllegalArgumentException} whose message names the file.
 */
public final class PemFiles {

  private PemFiles() {}

  /** A certificate chain, leaf first, and the leaf's private key. */
  public record CertifiedKey(List<X509Certificate> chain, PrivateKey key) {
    public X509Certificate leaf() {
      return chain.get(0);
    }
  }

  /** Reads a chain and its key, and checks that the key belongs to the leaf certificate. */
  public static CertifiedKey certifiedKey(Path certFile, Path keyFile) {
    List<X509Certificate> chain = certificates(certFile);
    PrivateKey key = privateKey(keyFile);
    if (!belongTogether(key, chain.get(0).getPublicKey())) {
      throw new IllegalArgumentException(keyFile + ": this key does not belong to the first certificate in " + certFile);
    }
    return new CertifiedKey(chain, key);
  }

  /** Every certificate in a PEM file, in file order; at least one. */
  public static List<X509Certificate> certificates(Path file) {
    byte[] pem = read(file);
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      List<X509Certificate> chain =
          factory.generateCertificates(new ByteArrayInputStream(pem)).stream().map(c -> (X509Certificate) c).toList();
      if (chain.isEmpty()) {
        throw new IllegalArgumentException(file + ": no certificate (expected PEM 'BEGIN CERTIFICATE' blocks)");
      }
      return chain;
    } catch (CertificateException e) {
      throw new IllegalArgumentException(file + ": not a PEM certificate chain (" + e.getMessage() + ")");
    }
  }

  /** The one private key in a PEM file. */
  public static PrivateKey privateKey(Path file) {
    String pem = new String(read(file), StandardCharsets.US_ASCII);
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
        if (object instanceof PEMKeyPair pair) { // PKCS#1 RSA, SEC1 EC
          return jdkKey(converter.getPrivateKey(pair.getPrivateKeyInfo()));
        } else if (object instanceof PrivateKeyInfo info) { // PKCS#8
          return jdkKey(converter.getPrivateKey(info));
        } else if (object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
          throw new IllegalArgumentException(file + ": the private key is encrypted; l4mux reads unencrypted keys only"
              + " (decrypt it with: openssl pkey -in " + file + " -out decrypted.key)");
        } else if (!(object instanceof X9ECParameters || object instanceof ASN1ObjectIdentifier)) {
          // EC PARAMETERS before a SEC1 key are skipped; anything else is not what the key file should hold.
          throw new IllegalArgumentException(file + ": expected a private key, found " + describe(object));
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": not a PEM private key (" + e.getMessage() + ")");
    }
    throw new IllegalArgumentException(file + ": no private key (expected PEM 'BEGIN PRIVATE KEY', 'BEGIN RSA PRIVATE KEY' or 'BEGIN EC PRIVATE KEY')");
  }

  /**
   * The same key from the JDK's own providers. With BouncyCastle's provider registered (acme4j
   * needs it), BouncyCastle's converter returns its own "ECDSA" keys, which the JDK's signatures
   * and TLS engine do not take.
   */
  public static PrivateKey jdkKey(PrivateKey key) {
    String algorithm = switch (key.getAlgorithm()) {
      case "ECDSA", "EC" -> "EC";
      case "RSA" -> "RSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      case "Ed448" -> "Ed448";
      default -> null;
    };
    if (algorithm == null || key.getClass().getName().startsWith("sun.")) {
      return key;
    }
    try {
      return java.security.KeyFactory.getInstance(algorithm).generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded()));
    } catch (GeneralSecurityException e) {
      return key;
    }
  }

  private static String describe(Object object) {
    return object instanceof org.bouncycastle.cert.X509CertificateHolder ? "a certificate" : object.getClass().getSimpleName();
  }

  /** Signs a random challenge with the key and verifies it with the public key. */
  static boolean belongTogether(PrivateKey key, PublicKey publicKey) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      case "Ed448" -> "Ed448";
      default -> throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm() + " (RSA, ECDSA or Ed25519 expected)");
    };
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // e.g. an RSA key with an EC certificate
    }
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read (" + e + ")");
    }
  }
}
