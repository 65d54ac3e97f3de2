package dev.l4mux.acme;

import dev.l4mux.tls.PemFiles;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.shredzone.acme4j.util.KeyPairUtils;

/**
 * A self-signed certificate (ECDSA P-256, BouncyCastle) for an ACME route's names, served until the
 * ACME certificate exists so the route's handshakes work (clients see an untrusted certificate).
 */
final class Placeholder {

  private static final Duration VALIDITY = Duration.ofDays(7);

  private Placeholder() {}

  static PemFiles.CertifiedKey mint(List<String> domains) {
    KeyPair key = KeyPairUtils.createECKeyPair("secp256r1");
    Instant now = Instant.now();
    X500Name subject = new X500Name("CN=" + domains.get(0) + ",O=l4mux ACME placeholder");
    GeneralName[] names = domains.stream().map(d -> new GeneralName(GeneralName.dNSName, d)).toArray(GeneralName[]::new);
    try {
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()),
          Date.from(now.minusSeconds(60)), Date.from(now.plus(VALIDITY)), subject, key.getPublic());
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      X509Certificate certificate = new JcaX509CertificateConverter()
          .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
      return new PemFiles.CertifiedKey(List.of(certificate), PemFiles.jdkKey(key.getPrivate()));
    } catch (OperatorCreationException | GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("placeholder certificate for " + domains + ": " + e.getMessage(), e);
    }
  }
}
