package dev.l4mux.tls;

import dev.l4mux.config.TlsConfig.CertificateFiles;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * A certificate l4mux serves, as loaded from its files. Compared by identity: a reload makes a new
 * one, and TLS contexts are cached per instance.
 */
public final class ServedCertificate {

  private static final int SAN_DNS_NAME = 2; // RFC 5280 4.2.1.6: dNSName [2] IA5String

  private final String route;
  private final CertificateFiles files;
  private final PemFiles.CertifiedKey certifiedKey;
  private final List<String> names;
  private final Instant loadedAt = Instant.now();
  private final Source source;

  /** Where a served certificate comes from. */
  public enum Source {
    /** read from the route's {@code cert}/{@code key} files */
    FILE,
    /** obtained from the route's ACME server */
    ACME,
    /** self-signed by l4mux while the route's ACME certificate does not exist yet */
    PLACEHOLDER
  }

  /**
   * @param route the route whose {@code tls} names it
   * @param files where it was read from
   * @param names the DNS names it is for: its subjectAltName dNSName entries, or its subject CN when
   *     it has none (RFC 6125 6.4.4), lower-cased; wildcards as written ({@code *.example.com})
   */
  ServedCertificate(String route, CertificateFiles files, PemFiles.CertifiedKey certifiedKey, List<String> names) {
    this(route, files, certifiedKey, names, Source.FILE);
  }

  private ServedCertificate(String route, CertificateFiles files, PemFiles.CertifiedKey certifiedKey, List<String> names, Source source) {
    this.source = source;
    this.route = route;
    this.files = files;
    this.certifiedKey = certifiedKey;
    this.names = List.copyOf(names);
  }

  /**
   * A certificate l4mux holds in memory (ACME, or its placeholder) for {@code route}; its names are
   * read from the certificate like a file's.
   */
  public static ServedCertificate held(String route, PemFiles.CertifiedKey certifiedKey, Source source) {
    return new ServedCertificate(route, null, certifiedKey, dnsNames(certifiedKey.leaf()), source);
  }

  public Source source() {
    return source;
  }

  /** What to name it by in messages: its certificate file, or its route. */
  public String describe() {
    return files != null ? files.cert() : source.name().toLowerCase(java.util.Locale.ROOT) + " certificate of route " + route;
  }

  public String route() {
    return route;
  }

  /** Its files, or null when it is held in memory ({@link #held}). */
  public CertificateFiles files() {
    return files;
  }

  public PemFiles.CertifiedKey certifiedKey() {
    return certifiedKey;
  }

  public List<String> names() {
    return names;
  }

  public Instant loadedAt() {
    return loadedAt;
  }

  /** Loads a certificate chain and key; {@link IllegalArgumentException} naming the file if it cannot. */
  public static ServedCertificate load(String route, CertificateFiles files) {
    PemFiles.CertifiedKey loaded = PemFiles.certifiedKey(CertificateStore.resolve(files.cert()), CertificateStore.resolve(files.key()));
    return new ServedCertificate(route, files, loaded, dnsNames(loaded.leaf()));
  }

  /**
   * The certificate of a route with {@code cert: builtin:self-signed}: minted once per node process
   * for {@code localhost} and the route's exact and wildcard SNI names ({@link SelfSignedMints}).
   */
  public static ServedCertificate selfSigned(dev.l4mux.config.RouteConfig route) {
    List<String> names = SelfSignedMints.namesFor(route);
    return new ServedCertificate(route.name(), CertificateFiles.SELF_SIGNED_FILES, SelfSignedMints.forRoute(route.name(), names), names);
  }

  public X509Certificate leaf() {
    return certifiedKey.leaf();
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  public String serial() {
    return leaf().getSerialNumber().toString(16);
  }

  public String subject() {
    return leaf().getSubjectX500Principal().getName();
  }

  public String issuer() {
    return leaf().getIssuerX500Principal().getName();
  }

  static List<String> dnsNames(X509Certificate certificate) {
    List<String> names = new ArrayList<>();
    try {
      Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
      for (List<?> entry : alternatives == null ? List.<List<?>>of() : alternatives) {
        if (entry.size() >= 2 && entry.get(0) instanceof Integer type && type == SAN_DNS_NAME && entry.get(1) instanceof String name) {
          names.add(name.toLowerCase(Locale.ROOT));
        }
      }
    } catch (CertificateParsingException e) {
      throw new IllegalArgumentException("unreadable subjectAltName: " + e.getMessage());
    }
    if (names.isEmpty()) {
      try {
        for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            names.add(rdn.getValue().toString().toLowerCase(Locale.ROOT));
          }
        }
      } catch (InvalidNameException e) {
        throw new IllegalArgumentException("unreadable subject: " + e.getMessage());
      }
    }
    return names;
  }
}
