package dev.l4mux.tls;

import dev.l4mux.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * The client-side TLS contexts of a re-encrypting route, towards its backends: one per ALPN
 * protocol the route may negotiate with a client (the backend is offered exactly that one), plus
 * one without ALPN. Verification is on unless the configuration says {@code verify: false} with
 * {@code insecure: true}: the chain against {@code upstream.ca} (default: the JDK's trust store) and
 * the name against the SNI sent (RFC 6125, checked by the engine as for HTTPS).
 */
final class UpstreamContexts {

  private static final String NO_ALPN = "";

  private final TlsConfig.Upstream upstream;
  private final Map<String, SslContext> byAlpn;

  private UpstreamContexts(TlsConfig.Upstream upstream, Map<String, SslContext> byAlpn) {
    this.upstream = upstream;
    this.byAlpn = Map.copyOf(byAlpn);
  }

  /**
   * @param trusted the CAs of {@code upstream.ca}, or null for the JDK's trust store
   * @param client the certificate shown to the backend, or null
   * @throws IllegalArgumentException when the engine refuses the settings
   */
  static UpstreamContexts build(TlsConfig tls, List<X509Certificate> trusted, PemFiles.CertifiedKey client) {
    Map<String, SslContext> byAlpn = new HashMap<>();
    byAlpn.put(NO_ALPN, context(tls, trusted, client, null));
    for (String protocol : tls.alpn()) {
      byAlpn.put(protocol, context(tls, trusted, client, protocol));
    }
    return new UpstreamContexts(tls.upstream(), byAlpn);
  }

  TlsConfig.Upstream settings() {
    return upstream;
  }

  /** The context offering {@code alpn} to the backend (null or unknown: no ALPN). */
  SslContext context(String alpn) {
    SslContext context = alpn == null ? null : byAlpn.get(alpn);
    return context == null ? byAlpn.get(NO_ALPN) : context;
  }

  private static SslContext context(TlsConfig tls, List<X509Certificate> trusted, PemFiles.CertifiedKey client, String alpn) {
    try {
      io.netty.handler.ssl.SslProvider provider = client != null && isEdDsa(client) ? io.netty.handler.ssl.SslProvider.JDK : TlsEngine.get().provider();
      SslContextBuilder builder = SslContextBuilder.forClient()
          .sslProvider(provider)
          .protocols(ServerContexts.protocols(TlsConfig.TLS_1_2))
          .ciphers(TlsConfig.AEAD_SUITES, SupportedCipherSuiteFilter.INSTANCE)
          .endpointIdentificationAlgorithm(tls.upstream().verify() ? "HTTPS" : null)
          .applicationProtocolConfig(alpn == null ? ApplicationProtocolConfig.DISABLED : ServerContexts.alpn(List.of(alpn)));
      if (!tls.upstream().verify()) {
        builder.trustManager(InsecureTrustManagerFactory.INSTANCE); // insecure: true, explicitly
      } else if (trusted != null) {
        builder.trustManager(trusted.toArray(X509Certificate[]::new));
      }
      if (client != null && provider == io.netty.handler.ssl.SslProvider.OPENSSL) {
        // converted to the engine's form once, not per handshake (ServerContexts.cachedKeyMaterial)
        builder.keyManager(ServerContexts.cachedKeyMaterial(client.key(), client.chain().toArray(X509Certificate[]::new)));
      } else if (client != null) {
        builder.keyManager(client.key(), client.chain().toArray(X509Certificate[]::new));
      }
      return builder.build();
    } catch (SSLException | java.security.GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("the TLS engine refused the upstream settings (" + e.getMessage() + ")", e);
    }
  }

  private static boolean isEdDsa(PemFiles.CertifiedKey key) {
    String algorithm = key.key().getAlgorithm();
    return algorithm.equals("Ed25519") || algorithm.equals("EdDSA");
  }
}
