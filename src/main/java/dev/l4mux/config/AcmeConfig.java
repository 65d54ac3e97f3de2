package dev.l4mux.config;

import java.util.List;

/**
 * A route's {@code tls.acme} section (CONTRACT section 3): its certificate is obtained and renewed
 * from an ACME server (RFC 8555) instead of read from files.
 *
 * @param directory the ACME server's directory URL ({@code https://...})
 * @param email the account's contact, or null
 * @param domains the names the certificate is for (the route's exact {@code match.sni} names unless given)
 * @param challenge how the server checks that l4mux answers for the names
 * @param storage the directory for the account key and certificates (relative: to the working directory)
 * @param trust a PEM file of extra CAs for the directory's own HTTPS (a test server's), or null
 */
public record AcmeConfig(String directory, String email, List<String> domains, Challenge challenge, String storage, String trust) {

  public static final String DEFAULT_STORAGE = "acme";

  /** The challenge types l4mux answers itself. */
  public enum Challenge {
    /** RFC 8737: a ClientHello offering {@code acme-tls/1} on the route's TLS listener. */
    TLS_ALPN_01("tls-alpn-01"),
    /** RFC 8555 8.3: {@code GET /.well-known/acme-challenge/<token>} on an HTTP listener (port 80). */
    HTTP_01("http-01");

    private final String id;

    Challenge(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }
  }

  public AcmeConfig {
    domains = List.copyOf(domains);
  }
}
