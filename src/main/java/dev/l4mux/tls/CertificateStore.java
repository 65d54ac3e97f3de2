package dev.l4mux.tls;

import dev.l4mux.config.ConfigError;
import dev.l4mux.config.ConfigException;
import dev.l4mux.config.L4muxConfig;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.config.TlsConfig;
import dev.l4mux.config.TlsConfig.CertificateFiles;
import dev.l4mux.observe.L4muxMetrics;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The certificates and TLS contexts of a node's terminating routes, as an immutable snapshot
 * swapped whole (on a configuration change, or when {@link CertificateWatcher} sees a certificate
 * file replaced), so a handshake never sees half a change and open connections keep the context
 * they started with.
 *
 * <p>Certificate choice for a connection: the chosen route's own certificates by the client's SNI
 * (exact, then wildcard), then those of every terminating route of the listener (together one SNI
 * map), then the route's first certificate.
 */
public final class CertificateStore {

  private static final Logger LOG = Logger.getLogger(CertificateStore.class.getName());

  private final L4muxMetrics metrics;
  private volatile Snapshot snapshot = Snapshot.EMPTY;

  /** @param metrics where {@code l4mux_certificate_expiry_seconds} is kept current */
  public CertificateStore(L4muxMetrics metrics) {
    this.metrics = metrics;
  }

  /**
   * The certificate of a route whose {@code tls.acme} obtains it: the ACME one, or its placeholder
   * until there is one.
   */
  @FunctionalInterface
  public interface AcmeSource {
    /** For {@code validate}: ACME routes are checked but get no certificate. */
    AcmeSource NONE = route -> null;

    /** The certificate to serve for the route now, or null when there is none to load. */
    ServedCertificate certificate(RouteConfig route);
  }

  /** The certificate and context chosen for one handshake. */
  public record Selection(ServedCertificate certificate, SslContext context) {}

  /**
   * Reads every terminating route's files and builds its contexts.
   *
   * @throws ConfigException one error per unreadable file, at its config path
   */
  public static Snapshot load(L4muxConfig config) {
    return load(config, AcmeSource.NONE);
  }

  /** As {@link #load(L4muxConfig)}, with the ACME routes' certificates from {@code acme}. */
  public static Snapshot load(L4muxConfig config, AcmeSource acme) {
    List<ConfigError> errors = new ArrayList<>();
    Map<String, RouteCertificates> routes = new LinkedHashMap<>();
    for (int i = 0; i < config.routes().size(); i++) {
      RouteConfig route = config.routes().get(i);
      if (route.tls().terminates()) {
        RouteCertificates loaded = RouteCertificates.load(route, "routes[" + i + "].tls", errors, acme);
        if (loaded != null) {
          routes.put(route.name(), loaded);
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return new Snapshot(config, routes);
  }

  /** Only checks that {@link #load} would succeed (for {@code validate} and {@code PUT /api/config}). */
  public static void check(L4muxConfig config) {
    load(config);
  }

  public synchronized void install(Snapshot loaded) {
    snapshot = loaded;
    exposeExpiry(loaded);
  }

  private void exposeExpiry(Snapshot served) {
    Map<List<String>, java.time.Instant> expiry = new HashMap<>();
    for (ServedCertificate certificate : served.served()) {
      for (String name : certificate.names()) {
        expiry.putIfAbsent(List.of(certificate.route(), name), certificate.notAfter());
      }
    }
    metrics.trackCertificateExpiry(expiry);
  }

  public Snapshot snapshot() {
    return snapshot;
  }

  /**
   * The certificate for a connection of {@code listener} routed to {@code route}, by its SNI; null
   * when the route has none loaded (a configuration change between the route decision and here
   * removed it).
   */
  public Selection select(String listener, RouteConfig route, String serverName) {
    return snapshot.select(listener, route.name(), serverName);
  }

  /**
   * Replaces one route's certificates (their files changed); the rest of the snapshot stays.
   * Ignored when the configuration changed meanwhile (the new one loaded the files anyway).
   */
  synchronized boolean replace(Snapshot basis, RouteCertificates reloaded) {
    if (snapshot != basis) {
      return false;
    }
    Map<String, RouteCertificates> routes = new LinkedHashMap<>(basis.routes());
    routes.put(reloaded.route().name(), reloaded);
    install(new Snapshot(basis.config(), routes));
    return true;
  }

  /**
   * Serves the current ACME certificates (one was obtained, renewed or shared by another node):
   * the ACME routes are loaded again, the rest of the snapshot stays. Builds TLS contexts: call on
   * a worker.
   */
  public synchronized void refreshAcme() {
    Snapshot basis = snapshot;
    Map<String, RouteCertificates> routes = new LinkedHashMap<>(basis.routes());
    boolean changed = false;
    for (RouteCertificates loaded : basis.routes().values()) {
      if (loaded.route().tls().acme() != null) {
        try {
          routes.put(loaded.route().name(), loaded.reload());
          changed = true;
        } catch (IllegalArgumentException e) {
          LOG.warning("route " + loaded.route().name() + ": the ACME certificate does not load (" + e.getMessage() + "); keeping the one served");
        }
      }
    }
    if (changed) {
      install(new Snapshot(basis.config(), routes));
    }
  }

  /** A relative path in the configuration is relative to the node's working directory. */
  static Path resolve(String written) {
    return Path.of(written).toAbsolutePath().normalize();
  }

  /** The loaded certificates of one configuration; immutable but for its context cache. */
  public record Snapshot(L4muxConfig config, Map<String, RouteCertificates> routes, Map<String, SniMap<ServedCertificate>> listeners) {

    static final Snapshot EMPTY = new Snapshot(null, Map.of());

    Snapshot(L4muxConfig config, Map<String, RouteCertificates> routes) {
      this(config, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(routes)), listenerMaps(config, routes));
    }

    /** Every certificate served, in configuration order. */
    public List<ServedCertificate> served() {
      List<ServedCertificate> all = new ArrayList<>();
      routes.values().forEach(r -> all.addAll(r.certificates()));
      return all;
    }

    /** The backend-side contexts of a re-encrypting route, or null. */
    UpstreamContexts upstream(String route) {
      RouteCertificates own = routes.get(route);
      return own == null ? null : own.upstream();
    }

    Selection select(String listener, String route, String serverName) {
      RouteCertificates own = routes.get(route);
      if (own == null) {
        return null;
      }
      ServedCertificate chosen = own.sni().find(serverName);
      if (chosen == null) {
        SniMap<ServedCertificate> shared = listeners.get(listener);
        chosen = shared == null ? null : shared.find(serverName);
      }
      if (chosen == null) {
        chosen = own.certificates().get(0);
      }
      return new Selection(chosen, own.context(chosen));
    }

    private static Map<String, SniMap<ServedCertificate>> listenerMaps(L4muxConfig config, Map<String, RouteCertificates> routes) {
      Map<String, SniMap<ServedCertificate>> maps = new HashMap<>();
      if (config == null) {
        return maps;
      }
      for (ListenerConfig listener : config.listeners()) {
        List<ServedCertificate> all = new ArrayList<>();
        routes.values().stream().filter(r -> r.route().appliesTo(listener.name())).forEach(r -> all.addAll(r.certificates()));
        maps.put(listener.name(), new SniMap<>(all, ServedCertificate::names));
      }
      return Map.copyOf(maps);
    }
  }

  /** One terminating route's certificates, their SNI map and the route's TLS context for each. */
  public record RouteCertificates(
      RouteConfig route, List<ServedCertificate> certificates, SniMap<ServedCertificate> sni,
      List<X509Certificate> clientCas, Map<ServedCertificate, SslContext> contexts, UpstreamContexts upstream, String fingerprint,
      AcmeSource acme) {

    /** Loads a route's files, recording failures under {@code path}; null when any failed. */
    static RouteCertificates load(RouteConfig route, String path, List<ConfigError> errors, AcmeSource acme) {
      TlsConfig tls = route.tls();
      String fingerprint = CertificateWatcher.fingerprint(route); // before reading: a change meanwhile is seen next time
      List<ServedCertificate> certificates = new ArrayList<>();
      List<CertificateFiles> files = tls.certificates();
      if (tls.acme() != null && tls.acme().trust() != null) {
        try {
          PemFiles.certificates(resolve(tls.acme().trust()));
        } catch (IllegalArgumentException e) {
          errors.add(new ConfigError(path + ".acme.trust", e.getMessage()));
        }
      }
      ServedCertificate held = tls.acme() == null ? null : acme.certificate(route);
      boolean checkOnly = tls.acme() != null && held == null; // validate: the rest is checked, nothing built
      if (held != null) {
        certificates.add(held);
      }
      for (int j = 0; j < files.size(); j++) {
        String at = files.size() == 1 && !isList(route) ? path + ".cert" : path + ".certs[" + j + "]";
        try {
          certificates.add(files.get(j).selfSigned() ? ServedCertificate.selfSigned(route) : ServedCertificate.load(route.name(), files.get(j)));
        } catch (IllegalArgumentException e) {
          errors.add(new ConfigError(at, e.getMessage()));
        }
      }
      List<X509Certificate> clientCas = List.of();
      if (tls.clientCa() != null) {
        try {
          clientCas = PemFiles.certificates(resolve(tls.clientCa()));
        } catch (IllegalArgumentException e) {
          errors.add(new ConfigError(path + ".clientCa", e.getMessage()));
        }
      }
      UpstreamContexts upstream = tls.mode() == TlsConfig.Mode.REENCRYPT ? upstream(tls, path + ".upstream", errors) : null;
      if (certificates.size() != files.size() + (held == null ? 0 : 1) || (tls.clientCa() != null && clientCas.isEmpty())
          || (tls.mode() == TlsConfig.Mode.REENCRYPT && upstream == null) || checkOnly) {
        return null;
      }
      Map<ServedCertificate, SslContext> contexts = new ConcurrentHashMap<>();
      for (ServedCertificate certificate : certificates) {
        try {
          contexts.put(certificate, ServerContexts.build(tls, certificate, clientCas));
        } catch (IllegalArgumentException e) {
          errors.add(new ConfigError(path, e.getMessage()));
          return null;
        }
      }
      return new RouteCertificates(route, List.copyOf(certificates), new SniMap<>(certificates, ServedCertificate::names), clientCas, contexts, upstream, fingerprint, acme);
    }

    private static UpstreamContexts upstream(TlsConfig tls, String path, List<ConfigError> errors) {
      TlsConfig.Upstream settings = tls.upstream();
      List<X509Certificate> trusted = null;
      PemFiles.CertifiedKey client = null;
      int before = errors.size();
      if (settings.ca() != null) {
        try {
          trusted = PemFiles.certificates(resolve(settings.ca()));
        } catch (IllegalArgumentException e) {
          errors.add(new ConfigError(path + ".ca", e.getMessage()));
        }
      }
      if (settings.client() != null) {
        try {
          client = PemFiles.certifiedKey(resolve(settings.client().cert()), resolve(settings.client().key()));
        } catch (IllegalArgumentException e) {
          errors.add(new ConfigError(path + ".cert", e.getMessage()));
        }
      }
      if (errors.size() > before) {
        return null;
      }
      try {
        return UpstreamContexts.build(tls, trusted, client);
      } catch (IllegalArgumentException e) {
        errors.add(new ConfigError(path, e.getMessage()));
        return null;
      }
    }

    /** Reloads from the same settings; {@link IllegalArgumentException} naming the file when it cannot. */
    RouteCertificates reload() {
      List<ConfigError> errors = new ArrayList<>();
      RouteCertificates reloaded = load(route, "routes." + route.name() + ".tls", errors, acme);
      if (reloaded == null) {
        throw new IllegalArgumentException(errors.stream().map(ConfigError::message).reduce((a, b) -> a + "; " + b).orElse("failed"));
      }
      return reloaded;
    }

    /**
     * The route's context for a certificate; one of another route (shared by the listener's SNI
     * map) gets a context with this route's settings on first use.
     */
    SslContext context(ServedCertificate certificate) {
      SslContext known = contexts.get(certificate);
      if (known != null) {
        return known;
      }
      return contexts.computeIfAbsent(certificate, c -> {
        LOG.fine(() -> "route " + route.name() + ": TLS context for the certificate of route " + c.route());
        return ServerContexts.build(route.tls(), c, clientCas);
      });
    }

    private static boolean isList(RouteConfig route) {
      return route.tls().certificates().size() > 1;
    }
  }
}
