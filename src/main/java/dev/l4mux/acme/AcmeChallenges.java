package dev.l4mux.acme;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.shredzone.acme4j.Identifier;
import org.shredzone.acme4j.util.CertificateUtils;
import org.shredzone.acme4j.util.KeyPairUtils;

/**
 * The ACME challenges this node answers now, whichever node ordered them: TLS-ALPN-01 certificates
 * by server name and HTTP-01 key authorizations by token. Read on the event loops (a map lookup),
 * written when a {@link #json challenge message} arrives.
 */
public final class AcmeChallenges {

  /** RFC 8737 4: the ALPN protocol id of a TLS-ALPN-01 validation. */
  public static final String ACME_TLS_1 = "acme-tls/1";

  static final String TLS_ALPN = "tls-alpn-01";
  static final String HTTP = "http-01";

  private final Map<String, SslContext> tlsAlpn = new ConcurrentHashMap<>();
  private final Map<String, String> http = new ConcurrentHashMap<>();
  private volatile KeyPair challengeKey; // one per node, made on first use

  /** The TLS context answering a TLS-ALPN-01 validation of {@code serverName}, or null. */
  public SslContext tlsAlpn(String serverName) {
    return serverName == null ? null : tlsAlpn.get(serverName.toLowerCase(Locale.ROOT));
  }

  /** The key authorization answering {@code GET /.well-known/acme-challenge/<token>}, or null. */
  public String http(String token) {
    return http.get(token);
  }

  /**
   * A challenge as sent between nodes.
   *
   * @param type {@code tls-alpn-01} or {@code http-01}
   * @param name the domain (TLS-ALPN-01) or the token (HTTP-01)
   * @param value the acmeValidation digest, base64 (TLS-ALPN-01), or the key authorization (HTTP-01)
   * @param pending true to answer it, false once the order is done with it
   */
  static JsonObject json(String type, String name, String value, boolean pending) {
    return new JsonObject().put("type", type).put("name", name).put("value", value).put("pending", pending);
  }

  static JsonObject tlsAlpn(String domain, byte[] acmeValidation, boolean pending) {
    return json(TLS_ALPN, domain, Base64.getEncoder().encodeToString(acmeValidation), pending);
  }

  /** Applies a challenge message; builds a TLS context for a TLS-ALPN-01 one (call on a worker). */
  void apply(JsonObject challenge) {
    String type = challenge.getString("type");
    String name = challenge.getString("name");
    boolean pending = challenge.getBoolean("pending", false);
    if (HTTP.equals(type)) {
      if (pending) {
        http.put(name, challenge.getString("value"));
      } else {
        http.remove(name);
      }
    } else if (TLS_ALPN.equals(type)) {
      String domain = name.toLowerCase(Locale.ROOT);
      if (pending) {
        tlsAlpn.put(domain, context(domain, Base64.getDecoder().decode(challenge.getString("value"))));
      } else {
        tlsAlpn.remove(domain);
      }
    }
  }

  /**
   * RFC 8737 3: a self-signed certificate for the domain alone with the critical
   * id-pe-acmeIdentifier extension holding the SHA-256 of the key authorization, offered with ALPN
   * {@code acme-tls/1} only.
   */
  private SslContext context(String domain, byte[] acmeValidation) {
    try {
      KeyPair key = challengeKey();
      X509Certificate certificate = CertificateUtils.createTlsAlpn01Certificate(key, Identifier.dns(domain), acmeValidation);
      return SslContextBuilder.forServer(key.getPrivate(), certificate)
          .sslProvider(SslProvider.JDK)
          .protocols("TLSv1.3", "TLSv1.2")
          .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ACME_TLS_1))
          .build();
    } catch (IOException e) {
      throw new IllegalStateException("TLS-ALPN-01 certificate for " + domain + ": " + e.getMessage(), e);
    }
  }

  private KeyPair challengeKey() {
    KeyPair key = challengeKey;
    if (key == null) {
      synchronized (this) {
        if (challengeKey == null) {
          challengeKey = KeyPairUtils.createKeyPair(2048); // acme4j signs the challenge certificate with SHA256withRSA
        }
        key = challengeKey;
      }
    }
    return key;
  }
}
