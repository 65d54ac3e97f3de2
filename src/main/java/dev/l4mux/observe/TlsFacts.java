package dev.l4mux.observe;

/**
 * What a terminated TLS session was (CONTRACT section 6: {@code tlsMode}, {@code tlsVersion},
 * {@code tlsCipher}, {@code clientCertSubject}), also the source of the PROXY v2 SSL TLV a route
 * sends its backend (docs/proxy-protocol.md).
 *
 * @param mode {@code terminate} or {@code reencrypt}
 * @param version the negotiated version, e.g. {@code TLSv1.3}
 * @param cipher the negotiated suite (IANA name)
 * @param alpn the protocol negotiated with the client, or null
 * @param clientCertSubject the verified client certificate's subject (RFC 4514), or null
 * @param clientCertCn the first common name of that subject, or null (none, or no certificate)
 */
public record TlsFacts(String mode, String version, String cipher, String alpn, String clientCertSubject, String clientCertCn) {

  /** A session without a client certificate. */
  public TlsFacts(String mode, String version, String cipher, String alpn) {
    this(mode, version, cipher, alpn, null, null);
  }
}
