package dev.l4mux.config;

import java.util.List;

/**
 * A route's {@code tls} section (CONTRACT section 3). File paths are as written: relative ones are
 * resolved against the node's working directory when the certificates are loaded.
 *
 * @param certificates the {@code cert}/{@code key} pair or the {@code certs} list, in order (the
 *     first is the default); empty for passthrough
 * @param alpn protocols offered to clients, in preference order; empty: no ALPN is negotiated
 * @param minVersion {@code TLSv1.2} or {@code TLSv1.3}
 * @param ciphers cipher suites (IANA names) allowed; empty: the secure defaults
 * @param clientCa PEM file of the CAs client certificates must chain to, or null
 * @param upstream the TLS connection to the backend (reencrypt), or null
 * @param acme where the certificate is obtained from instead of files (ACME), or null
 */
public record TlsConfig(
    Mode mode,
    List<CertificateFiles> certificates,
    List<String> alpn,
    String minVersion,
    List<String> ciphers,
    ClientAuth clientAuth,
    String clientCa,
    Upstream upstream,
    AcmeConfig acme) {

  public static final String TLS_1_2 = "TLSv1.2";
  public static final String TLS_1_3 = "TLSv1.3";

  /**
   * The cipher suites l4mux offers, all AEAD with forward secrecy (RFC 8446 B.4; RFC 5289, RFC 7905
   * for TLS 1.2), in preference order; also the only names {@code ciphers} accepts.
   */
  public static final List<String> AEAD_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  public static final TlsConfig PASSTHROUGH =
      new TlsConfig(Mode.PASSTHROUGH, List.of(), List.of(), TLS_1_2, List.of(), ClientAuth.NONE, null, null, null);

  public enum Mode {
    PASSTHROUGH,
    TERMINATE,
    REENCRYPT
  }

  public enum ClientAuth {
    NONE,
    REQUEST,
    REQUIRE
  }

  /**
   * A PEM certificate chain and its private key; or, for {@code cert: builtin:self-signed} (no
   * key), a certificate the node mints at start for {@code localhost} and the route's SNI names.
   */
  public record CertificateFiles(String cert, String key) {

    /** {@code tls.cert} of a route that asks for a self-signed certificate minted at start. */
    public static final String SELF_SIGNED = "builtin:self-signed";

    public static final CertificateFiles SELF_SIGNED_FILES = new CertificateFiles(SELF_SIGNED, null);

    /** True for {@code cert: builtin:self-signed}: nothing is read from disk. */
    public boolean selfSigned() {
      return SELF_SIGNED.equals(cert) && key == null;
    }
  }

  /**
   * The TLS connection to the backend.
   *
   * @param sni server name sent to the backend; null: the client's
   * @param ca PEM CAs the backend must chain to; null: the JDK's trust store
   * @param verify false only together with an explicit {@code insecure: true}
   * @param client certificate presented to the backend, or null
   */
  public record Upstream(String sni, String ca, boolean verify, CertificateFiles client) {}

  public TlsConfig {
    certificates = List.copyOf(certificates);
    alpn = List.copyOf(alpn);
    ciphers = List.copyOf(ciphers);
  }

  /** Settings with certificates from files only (no ACME). */
  public TlsConfig(Mode mode, List<CertificateFiles> certificates, List<String> alpn, String minVersion, List<String> ciphers,
      ClientAuth clientAuth, String clientCa, Upstream upstream) {
    this(mode, certificates, alpn, minVersion, ciphers, clientAuth, clientCa, upstream, null);
  }

  /** True when l4mux completes the client's handshake itself (terminate or reencrypt). */
  public boolean terminates() {
    return mode != Mode.PASSTHROUGH;
  }
}
