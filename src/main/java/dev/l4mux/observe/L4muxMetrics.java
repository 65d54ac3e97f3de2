package dev.l4mux.observe;

import dev.l4mux.route.Backend;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * l4mux's metrics (CONTRACT section 5). Meters are looked up once per label set and cached, so the
 * per-connection cost is a map lookup and the per-buffer cost an adder increment.
 */
public final class L4muxMetrics {

  public static final String NONE = "none";

  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50),
    Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5),
    Duration.ofSeconds(10), Duration.ofSeconds(30)
  };

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry vertxRegistry;
  private final Map<List<String>, AtomicLong> active = new ConcurrentHashMap<>();
  private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();
  private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();
  private final Map<List<String>, BackendUp> backendUp = new ConcurrentHashMap<>();
  private final AtomicLong configVersion = new AtomicLong();
  private final AtomicLong socketsOpen = new AtomicLong();
  private final Map<List<String>, Expiry> certificateExpiry = new ConcurrentHashMap<>();

  /**
   * @param registry where l4mux's meters live
   * @param vertxRegistry Vert.x's own Prometheus registry to append to scrapes, or null
   */
  public L4muxMetrics(MeterRegistry registry, PrometheusMeterRegistry vertxRegistry) {
    this.registry = registry;
    this.vertxRegistry = vertxRegistry;
    Gauge.builder("l4mux.config.version", configVersion, AtomicLong::get)
        .description("Version of the active configuration")
        .register(registry);
    Gauge.builder("l4mux.sockets.open", socketsOpen, AtomicLong::get)
        .description("Open relayed sockets, client and backend (a file descriptor each)")
        .register(registry);
    Gauge.builder("l4mux.build.info", () -> 1)
        .description("Always 1; the version label is l4mux's (the Maven project's)")
        .tag("version", dev.l4mux.L4muxVersion.current())
        .register(registry);
    // process_files_open_files and process_files_max_files: the "descriptors near the limit" alert.
    new io.micrometer.core.instrument.binder.system.FileDescriptorMetrics().bindTo(registry);
  }

  /** A relayed socket (client or backend) was opened; {@link #socketClosed} when it closes. */
  public void socketOpened() {
    socketsOpen.incrementAndGet();
  }

  public void socketClosed() {
    socketsOpen.decrementAndGet();
  }

  /** Relayed sockets open now. */
  public long socketsOpen() {
    return socketsOpen.get();
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition of l4mux's meters (and Vert.x's, when enabled). */
  public String scrape() {
    String own = registry instanceof PrometheusMeterRegistry prometheus ? prometheus.scrape() : "";
    return vertxRegistry == null || vertxRegistry == registry ? own : own + vertxRegistry.scrape();
  }

  /** The gauge cell of {@code l4mux_connections_active} for a label set; callers add and subtract. */
  public AtomicLong activeConnections(String listener, String route, String protocol) {
    return cached(active,
        List.of(listener, route, protocol),
        k -> {
          AtomicLong cell = new AtomicLong();
          Gauge.builder("l4mux.connections.active", cell, AtomicLong::get)
              .description("Open client connections")
              .tags("listener", listener, "route", route, "protocol", protocol)
              .register(registry);
          return cell;
        });
  }

  /** Sum of {@code l4mux_connections_active} over all label sets. */
  public long activeConnectionsTotal() {
    return active.values().stream().mapToLong(AtomicLong::get).sum();
  }

  public void connectionCompleted(String listener, String route, String protocol, String outcome) {
    counter("l4mux.connections", "Connections by outcome", "listener", listener, "route", route, "protocol", protocol, "outcome", outcome)
        .increment();
  }

  public void rejected(String listener, String reason) {
    counter("l4mux.rejections", "Connections refused, by reason", "listener", listener, "reason", reason).increment();
  }

  /**
   * PROXY headers by outcome ({@code l4mux_proxy_headers_total}): {@code accepted}, {@code local}
   * (LOCAL or UNKNOWN: the peer's address is kept), {@code missing} (a trusted peer sent none),
   * {@code invalid} (refused), {@code untrusted} (a header from a peer whose headers are not read).
   */
  public void proxyHeader(String listener, String result) {
    counter("l4mux.proxy.headers", "PROXY protocol headers, by outcome", "listener", listener, "result", result).increment();
  }

  /** The byte counter for one route and direction ({@code upstream} or {@code downstream}). */
  public Counter bytes(String route, String direction) {
    return counter("l4mux.bytes", "Bytes relayed", "route", route, "direction", direction);
  }

  /** Bytes relayed in one direction, over all routes (for the cluster view). */
  public double bytesTotal(String direction) {
    return registry.find("l4mux.bytes").tag("direction", direction).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Bytes relayed for one route in one direction. */
  public double bytesTotal(String route, String direction) {
    return registry.find("l4mux.bytes").tag("route", route).tag("direction", direction).counters().stream().mapToDouble(Counter::count).sum();
  }

  public void sniffed(String listener, String protocol, long nanos) {
    timer("l4mux.sniff", "Time from accept to a sniff decision", "listener", listener, "protocol", protocol)
        .record(Duration.ofNanos(nanos));
  }

  public void backendConnected(String route, long nanos) {
    timer("l4mux.backend.connect", "Backend connect time", "route", route).record(Duration.ofNanos(nanos));
  }

  /** One active health check of a backend used by a route ({@code result}: success or failure). */
  public void healthChecked(String route, String backend, String result) {
    counter("l4mux.health.checks", "Active health checks, by result", "route", route, "backend", backend, "result", result).increment();
  }

  /** A TLS handshake with a client ended ({@code result}: success, failed, client_cert_refused). */
  public void tlsHandshake(String listener, String route, String result, long nanos) {
    counter("l4mux.tls.handshakes", "TLS handshakes l4mux completed or refused, by result", "listener", listener, "route", route, "result", result)
        .increment();
    timer("l4mux.tls.handshake", "Time from the ClientHello to the end of the handshake", "route", route).record(Duration.ofNanos(nanos));
  }

  /**
   * Exposes {@code l4mux_certificate_expiry_seconds{route,name}} for the certificates served now
   * (key: route and DNS name; value: notAfter); gauges of certificates no longer served are removed.
   */
  public synchronized void trackCertificateExpiry(Map<List<String>, java.time.Instant> notAfter) {
    certificateExpiry.entrySet().removeIf(e -> {
      if (notAfter.containsKey(e.getKey())) {
        return false;
      }
      registry.remove(e.getValue().gauge);
      return true;
    });
    notAfter.forEach((key, instant) -> {
      Expiry cell = certificateExpiry.computeIfAbsent(key, k -> {
        Expiry created = new Expiry();
        created.gauge = Gauge.builder("l4mux.certificate.expiry.seconds", created, Expiry::secondsLeft)
            .description("Seconds until the served certificate's notAfter")
            .tags("route", k.get(0), "name", k.get(1))
            .register(registry);
        return created;
      });
      cell.notAfter = instant;
    });
  }

  public void configVersion(long version) {
    configVersion.set(version);
  }

  /** Exposes {@code l4mux_backend_up} for the backends of a new route table. */
  public void trackBackends(List<Backend> backends) {
    for (BackendUp cell : backendUp.values()) {
      cell.backend = null; // backends of an older table: report down unless re-added below
    }
    for (Backend backend : backends) {
      backendUp
          .computeIfAbsent(
              List.of(backend.route(), backend.address().toString()),
              k -> {
                BackendUp cell = new BackendUp();
                Gauge.builder("l4mux.backend.up", cell, BackendUp::value)
                    .description("1 when the backend is considered up")
                    .tags("route", k.get(0), "backend", k.get(1))
                    .register(registry);
                return cell;
              })
          .backend = backend;
    }
  }

  /**
   * The meter for {@code key}, made once. Looked up with {@code get} first: {@code computeIfAbsent}
   * locks the key's bin whenever the key is not the bin's first node, so two event loops asking for
   * meters of one connection each would contend on a monitor on the per-connection path (JFR: a
   * loop blocked for 5.8 ms behind the other, docs/performance.md).
   */
  private static <T> T cached(Map<List<String>, T> meters, List<String> key, java.util.function.Function<List<String>, T> make) {
    T meter = meters.get(key);
    return meter != null ? meter : meters.computeIfAbsent(key, make);
  }

  private Counter counter(String name, String description, String... tags) {
    return cached(counters,
        key(name, tags), k -> Counter.builder(name).description(description).tags(Tags.of(tags)).register(registry));
  }

  private Timer timer(String name, String description, String... tags) {
    return cached(timers,
        key(name, tags),
        k -> Timer.builder(name).description(description).tags(Tags.of(tags)).serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
  }

  private static List<String> key(String name, String... tags) {
    String[] key = new String[tags.length + 1];
    key[0] = name;
    System.arraycopy(tags, 0, key, 1, tags.length);
    return List.of(key);
  }

  private static final class Expiry {
    volatile java.time.Instant notAfter;
    Gauge gauge;

    double secondsLeft() {
      java.time.Instant at = notAfter;
      return at == null ? 0 : java.time.Duration.between(java.time.Instant.now(), at).toMillis() / 1000.0;
    }
  }

  private static final class BackendUp {
    volatile Backend backend;

    double value() {
      Backend b = backend;
      return b != null && b.isUp() ? 1 : 0;
    }
  }
}
