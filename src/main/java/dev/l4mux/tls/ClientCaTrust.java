package dev.l4mux.tls;

import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies client certificates against a route's {@code clientCa} with the JDK's PKIX trust manager.
 * On the OpenSSL engine a refusal carries the X.509 error BoringSSL turns into the right alert
 * (RFC 8446 6.2: unknown_ca for a chain to another CA, certificate_expired, ...); without it Netty
 * reports an unspecified error and the client sees internal_error.
 */
final class ClientCaTrust extends X509ExtendedTrustManager {

  private final X509ExtendedTrustManager pkix;

  private ClientCaTrust(X509ExtendedTrustManager pkix) {
    this.pkix = pkix;
  }

  static TrustManager of(List<X509Certificate> clientCas) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < clientCas.size(); i++) {
        store.setCertificateEntry("client-ca-" + i, clientCas.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(store);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager pkix) {
          return new ClientCaTrust(pkix);
        }
      }
      throw new IllegalStateException("the JDK has no X509ExtendedTrustManager for PKIX");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalArgumentException("client CAs unusable: " + e.getMessage(), e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    try {
      pkix.checkClientTrusted(chain, authType, engine);
    } catch (CertificateException e) {
      throw withX509Error(e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    try {
      pkix.checkClientTrusted(chain, authType, socket);
    } catch (CertificateException e) {
      throw withX509Error(e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    try {
      pkix.checkClientTrusted(chain, authType);
    } catch (CertificateException e) {
      throw withX509Error(e);
    }
  }

  private static CertificateException withX509Error(CertificateException refused) {
    if (TlsEngine.get().provider() == io.netty.handler.ssl.SslProvider.JDK) {
      return refused; // the JDK engine picks its alert itself
    }
    for (Throwable t = refused; t != null; t = t.getCause()) {
      if (t instanceof CertificateExpiredException) {
        return openSsl(refused, CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED);
      }
      if (t instanceof CertificateNotYetValidException) {
        return openSsl(refused, CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID);
      }
    }
    // Anything else the PKIX check refuses: no path to a configured client CA.
    return openSsl(refused, CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  }

  private static CertificateException openSsl(CertificateException refused, int error) {
    OpenSslCertificateException mapped = new OpenSslCertificateException(refused.getMessage(), error);
    mapped.initCause(refused);
    return mapped;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    pkix.checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    pkix.checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.getAcceptedIssuers();
  }
}
