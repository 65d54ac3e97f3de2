package dev.l4mux.tls;

import dev.l4mux.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;

/**
 * Builds the server-side TLS context of a route for one certificate: the route's versions, cipher
 * suites, ALPN offer and client authentication, on the node's {@link TlsEngine}.
 *
 * <p>Secure defaults: TLS 1.2 and 1.3 only, AEAD suites with forward secrecy only ({@link
 * TlsConfig#AEAD_SUITES}), no renegotiation (BoringSSL never renegotiates as a server; the JDK
 * engine is told to refuse it, see {@link TlsEngine}), session tickets on with keys the engine
 * rotates itself (BoringSSL every two days, the JDK's stateless tickets every hour).
 */
final class ServerContexts {

  private static final char[] NO_PASSWORD = new char[0];

  private ServerContexts() {}

  static SslContext build(TlsConfig tls, ServedCertificate certificate, List<X509Certificate> clientCas) {
    try {
      SslProvider provider = provider(certificate);
      X509Certificate[] chain = certificate.certifiedKey().chain().toArray(X509Certificate[]::new);
      SslContextBuilder builder = (provider == SslProvider.OPENSSL
          ? SslContextBuilder.forServer(cachedKeyMaterial(certificate.certifiedKey().key(), chain))
          : SslContextBuilder.forServer(certificate.certifiedKey().key(), chain))
          .sslProvider(provider)
          .protocols(protocols(tls.minVersion()))
          .ciphers(tls.ciphers().isEmpty() ? TlsConfig.AEAD_SUITES : tls.ciphers(), SupportedCipherSuiteFilter.INSTANCE)
          .applicationProtocolConfig(alpn(tls.alpn()));
      if (tls.clientAuth() != TlsConfig.ClientAuth.NONE) {
        builder.trustManager(ClientCaTrust.of(clientCas))
            .clientAuth(tls.clientAuth() == TlsConfig.ClientAuth.REQUIRE ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
      }
      return builder.build();
    } catch (SSLException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(certificate.describe() + ": the TLS engine refused it (" + e.getMessage() + ")", e);
    }
  }

  /**
   * The key and chain for the OpenSSL engine, converted to its native form once. Given the key and
   * chain as they are, Netty (4.2.12, with its default of a key manager factory for BoringSSL) wraps
   * them in a key material provider that does not cache, "as the material may change at runtime":
   * every handshake then encoded the chain and the key to PEM and parsed them again natively
   * ({@code OpenSslKeyMaterialProvider.chooseKeyMaterial}). A replaced certificate builds a new
   * context, so caching is safe here.
   */
  static KeyManagerFactory cachedKeyMaterial(PrivateKey key, X509Certificate[] chain) throws GeneralSecurityException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("served", key, NO_PASSWORD, chain);
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, NO_PASSWORD);
      return new OpenSslCachingX509KeyManagerFactory(keys);
    } catch (IOException impossible) { // load(null) reads nothing
      throw new GeneralSecurityException(impossible);
    }
  }

  /**
   * The node's engine, except for Ed25519 keys on OpenSSL: Netty's OpenSSL key manager (4.2.12)
   * chooses a server key only by RSA and EC key types and ends an Ed25519 handshake with an
   * internal_error alert, so those certificates are served by the JDK's engine (RFC 8422 3.1 and
   * RFC 8446 4.2.3 Ed25519 signatures; JDK 15+).
   */
  static SslProvider provider(ServedCertificate certificate) {
    return isEdDsa(certificate) ? SslProvider.JDK : TlsEngine.get().provider();
  }

  static boolean isEdDsa(ServedCertificate certificate) {
    String algorithm = certificate.certifiedKey().key().getAlgorithm();
    return algorithm.equals("Ed25519") || algorithm.equals("EdDSA") || algorithm.equals("Ed448");
  }

  static String[] protocols(String minVersion) {
    return TlsConfig.TLS_1_3.equals(minVersion) ? new String[] {"TLSv1.3"} : new String[] {"TLSv1.3", "TLSv1.2"};
  }

  /**
   * The ALPN offer (RFC 7301): the server picks the first of its own protocols the client offers;
   * with no overlap the handshake goes on without ALPN (both engines support this behaviour).
   */
  static ApplicationProtocolConfig alpn(List<String> protocols) {
    return protocols.isEmpty()
        ? ApplicationProtocolConfig.DISABLED
        : new ApplicationProtocolConfig(Protocol.ALPN, SelectorFailureBehavior.NO_ADVERTISE, SelectedListenerFailureBehavior.ACCEPT, protocols);
  }
}
