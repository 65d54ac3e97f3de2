package dev.l4mux.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Mints a self-signed ECDSA P-256 certificate with BouncyCastle, for what l4mux serves without a
 * certificate on disk: the {@code builtin:tls} demo backend and routes with {@code cert:
 * builtin:self-signed}. No client trusts it ({@code curl -k}); it exists to try l4mux out.
 */
public final class SelfSignedCertificate {

  /** How long a minted certificate is valid: a node that runs longer mints a new one at its next start. */
  static final Duration VALIDITY = Duration.ofDays(90);

  /** DNS names (RFC 1035 2.3.1 letters, digits, hyphens; a leading "*." wildcard) it may carry. */
  private static final Pattern DNS_NAME = Pattern.compile("(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  private static final SecureRandom RANDOM = new SecureRandom();

  private SelfSignedCertificate() {}

  /** True when {@code name} can be a dNSName of a minted certificate. */
  public static boolean isDnsName(String name) {
    return name != null && name.length() <= 253 && DNS_NAME.matcher(name).matches();
  }

  /**
   * A new key and certificate for {@code names} (subjectAltName dNSName entries, the first also the
   * subject CN), valid from an hour ago for {@link #VALIDITY}.
   *
   * @throws IllegalArgumentException when a name is not a DNS name
   */
  public static PemFiles.CertifiedKey mint(List<String> names) {
    for (String name : names) {
      if (!isDnsName(name)) {
        throw new IllegalArgumentException("'" + name + "' is not a DNS name a certificate can carry");
      }
    }
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      KeyPair keys = generator.generateKeyPair();
      X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, names.get(0)).addRDN(BCStyle.O, "l4mux self-signed").build();
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
          subject, new BigInteger(64, RANDOM).setBit(63), Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
      GeneralName[] sans = names.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new);
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      X509Certificate certificate = new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
      return new PemFiles.CertifiedKey(List.of(certificate), keys.getPrivate());
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException("cannot mint a self-signed certificate: " + e.getMessage(), e);
    }
  }
}
