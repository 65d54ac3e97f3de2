package dev.l4mux.acme;

import dev.l4mux.config.AcmeConfig;
import dev.l4mux.tls.PemFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.shredzone.acme4j.util.KeyPairUtils;

/**
 * One ACME order, start to certificate (RFC 8555 7.4): account (made on first use, found again by
 * its key), new order, a challenge per pending authorization (published to every node before it is
 * triggered), finalize with a new ECDSA P-256 key, download. Blocking: call on a worker.
 */
final class AcmeClient {

  private static final Duration WAIT = Duration.ofSeconds(Long.getLong("l4mux.acmeWaitSeconds", 120));

  /** Makes challenges answerable on every node before the server is told to validate them. */
  interface ChallengePublisher {
    void publish(io.vertx.core.json.JsonObject challenge) throws InterruptedException;
  }

  private AcmeClient() {}

  static PemFiles.CertifiedKey order(AcmeConfig acme, KeyPair accountKey, ChallengePublisher publisher)
      throws AcmeException, InterruptedException {
    Session session = new Session(URI.create(acme.directory()), new Provider(acme.trust()));
    AccountBuilder account = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey);
    if (acme.email() != null) {
      account.addEmail(acme.email());
    }
    Login login = account.createLogin(session);
    Order order = login.newOrder().domains(acme.domains()).create();
    List<io.vertx.core.json.JsonObject> published = new java.util.ArrayList<>();
    try {
      for (Authorization authorization : order.getAuthorizations()) {
        if (authorization.getStatus() == Status.VALID) {
          continue; // RFC 8555 7.1.4: an authorization the server still holds as valid
        }
        String domain = authorization.getIdentifier().getDomain();
        Challenge challenge;
        io.vertx.core.json.JsonObject answer;
        if (acme.challenge() == AcmeConfig.Challenge.TLS_ALPN_01) {
          TlsAlpn01Challenge tls = authorization.findChallenge(TlsAlpn01Challenge.class)
              .orElseThrow(() -> new AcmeException(domain + ": the server offers no tls-alpn-01 challenge"));
          answer = AcmeChallenges.tlsAlpn(domain, tls.getAcmeValidation(), true);
          challenge = tls;
        } else {
          Http01Challenge http = authorization.findChallenge(Http01Challenge.class)
              .orElseThrow(() -> new AcmeException(domain + ": the server offers no http-01 challenge"));
          answer = AcmeChallenges.json(AcmeChallenges.HTTP, http.getToken(), http.getAuthorization(), true);
          challenge = http;
        }
        publisher.publish(answer);
        published.add(answer);
        challenge.trigger();
        Status status = challenge.waitForCompletion(WAIT);
        if (status != Status.VALID) {
          throw new AcmeException(domain + ": " + acme.challenge().id() + " validation " + status.name().toLowerCase(java.util.Locale.ROOT)
              + challenge.getError().map(p -> " (" + describe(p) + ")").orElse(""));
        }
      }
      Status ready = order.waitUntilReady(WAIT);
      if (ready != Status.READY) {
        throw new AcmeException("order " + ready.name().toLowerCase(java.util.Locale.ROOT) + order.getError().map(p -> " (" + describe(p) + ")").orElse(""));
      }
      KeyPair domainKey = KeyPairUtils.createECKeyPair("secp256r1");
      order.execute(domainKey);
      Status done = order.waitForCompletion(WAIT);
      if (done != Status.VALID) {
        throw new AcmeException("finalized order " + done.name().toLowerCase(java.util.Locale.ROOT) + order.getError().map(p -> " (" + describe(p) + ")").orElse(""));
      }
      List<X509Certificate> chain = order.getCertificate().getCertificateChain();
      return new PemFiles.CertifiedKey(List.copyOf(chain), PemFiles.jdkKey(domainKey.getPrivate()));
    } finally {
      for (io.vertx.core.json.JsonObject answer : published) {
        publisher.publish(answer.copy().put("pending", false));
      }
    }
  }

  private static String describe(Problem problem) {
    return problem.getDetail().orElse(problem.getTitle().orElse(String.valueOf(problem.getType())));
  }

  /** The generic provider with the JDK's CAs plus {@code trust} for the directory's HTTPS. */
  private static final class Provider extends GenericAcmeProvider {
    private final String trust;

    Provider(String trust) {
      this.trust = trust;
    }

    @Override
    public HttpClient createHttpClient(NetworkSettings settings) {
      HttpClient.Builder builder = HttpClient.newBuilder()
          .connectTimeout(settings.getTimeout())
          .followRedirects(HttpClient.Redirect.NORMAL);
      if (trust != null) {
        builder.sslContext(trusting(trust));
      }
      return builder.build();
    }

    private static SSLContext trusting(String file) {
      try {
        TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        jdk.init((KeyStore) null);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (javax.net.ssl.TrustManager manager : jdk.getTrustManagers()) {
          if (manager instanceof X509TrustManager x509) {
            for (X509Certificate ca : x509.getAcceptedIssuers()) {
              store.setCertificateEntry("jdk-" + i++, ca);
            }
          }
        }
        for (X509Certificate ca : PemFiles.certificates(Path.of(file).toAbsolutePath())) {
          store.setCertificateEntry("trust-" + i++, ca);
        }
        TrustManagerFactory both = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        both.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, both.getTrustManagers(), null);
        return context;
      } catch (GeneralSecurityException | java.io.IOException e) {
        throw new IllegalStateException(file + ": " + e.getMessage(), e);
      }
    }
  }
}
