package dev.l4mux.acme;

import dev.l4mux.bus.Addresses;
import dev.l4mux.config.AcmeConfig;
import dev.l4mux.config.L4muxConfig;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.observe.NodeLog;
import dev.l4mux.tls.CertificateStore;
import dev.l4mux.tls.PemFiles;
import dev.l4mux.tls.ServedCertificate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Obtains and renews the certificates of a node's ACME routes, and serves the one there is meanwhile.
 *
 * <p>One certificate per {@code (directory, domains)}: the stored one at start when there is one,
 * a self-signed {@link Placeholder} until then (logged as a warning). Renewal is due when a third
 * of its lifetime is left and starts up to a thirtieth of the lifetime later (jitter, so nodes and
 * routes do not all go at once); a failed attempt is retried after an exponentially growing pause
 * (from {@code l4mux.acmeRetryMs}, 60 s, up to a day) while the certificate from before is served.
 *
 * <p>Cluster: an attempt first takes the name's lock on the Vert.x shared data (cluster-wide with
 * Hazelcast, node-local otherwise) and looks in the shared certificate map: a certificate another
 * node obtained that is not due is taken as it is, so one node orders per name. An obtained
 * certificate goes into that map and to every node over the event bus; challenges go into the
 * shared challenge map and to every node too, so any node answers the validation. The ACME
 * protocol runs on a worker, never on an event loop.
 */
public final class AcmeManager implements CertificateStore.AcmeSource {

  static final String CERTIFICATES_MAP = "l4mux.acme.certificates";
  static final String CHALLENGES_MAP = "l4mux.acme.challenges";
  private static final String LOCK_PREFIX = "l4mux.acme.order.";
  private static final Duration LOCK_WAIT = Duration.ofMinutes(10);
  private static final long MAX_BACKOFF_MS = TimeUnit.DAYS.toMillis(1);

  static {
    registerBouncyCastle();
  }

  /** acme4j makes its keys and certificates with BouncyCastle's provider, by name. */
  static synchronized void registerBouncyCastle() {
    if (java.security.Security.getProvider(org.bouncycastle.jce.provider.BouncyCastleProvider.PROVIDER_NAME) == null) {
      java.security.Security.addProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
    }
  }

  private final Vertx vertx;
  private final String nodeName;
  private final CertificateStore store;
  private final AcmeChallenges challenges;
  private final long retryMs = Long.getLong("l4mux.acmeRetryMs", 60_000);
  private final long spreadMs = Long.getLong("l4mux.acmeSpreadMs", 1_000);
  private final Map<String, Managed> managed = new ConcurrentHashMap<>(); // by certificate id
  private volatile Map<String, String> routes = Map.of(); // route name -> certificate id

  public AcmeManager(Vertx vertx, String nodeName, CertificateStore store, AcmeChallenges challenges) {
    this.vertx = vertx;
    this.nodeName = nodeName;
    this.store = store;
    this.challenges = challenges;
  }

  /** Listens for the challenges and certificates other nodes publish, and takes the pending challenges. */
  public Future<Void> start() {
    vertx.eventBus().<JsonObject>consumer(Addresses.ACME_CHALLENGES, message -> {
      if (!nodeName.equals(message.body().getString("node"))) {
        vertx.executeBlocking(() -> {
          challenges.apply(message.body());
          return null;
        }, false);
      }
    });
    vertx.eventBus().<JsonObject>consumer(Addresses.ACME_CERTIFICATES, message -> {
      JsonObject body = message.body();
      Managed m = managed.get(body.getString("id"));
      if (m != null && !nodeName.equals(body.getString("by"))) {
        vertx.executeBlocking(() -> AcmeStorage.parse(body), false)
            .onSuccess(certified -> offer(m, certified, body.getString("by")))
            .onFailure(e -> NodeLog.warning("ACME certificate " + m.id + " from node " + body.getString("by") + " does not load: " + e.getMessage()));
      }
    });
    return challengeMap().compose(map -> map.entries()).compose(entries -> vertx.executeBlocking(() -> {
      entries.values().forEach(v -> challenges.apply((JsonObject) v));
      return null;
    }, false)).mapEmpty();
  }

  /**
   * Follows a new configuration, before its certificates are loaded: every ACME route has a
   * certificate to serve (stored, or a placeholder) and a renewal scheduled.
   */
  public void configure(L4muxConfig config) {
    Map<String, String> byRoute = new HashMap<>();
    for (RouteConfig route : config.routes()) {
      AcmeConfig acme = route.tls().acme();
      if (acme == null) {
        continue;
      }
      String id = id(acme);
      byRoute.put(route.name(), id);
      managed.computeIfAbsent(id, key -> open(key, acme)).acme = acme; // e.g. a new email or challenge for the same names
    }
    routes = Map.copyOf(byRoute);
    managed.values().removeIf(m -> {
      boolean unused = !byRoute.containsValue(m.id);
      if (unused) {
        vertx.cancelTimer(m.timer);
      }
      return unused;
    });
  }

  private Managed open(String id, AcmeConfig acme) {
    Managed m = new Managed(id, acme, new AcmeStorage(java.nio.file.Path.of(acme.storage())));
    PemFiles.CertifiedKey stored = null;
    try {
      stored = m.storage.certificate(id);
    } catch (IllegalArgumentException e) {
      NodeLog.warning("ACME certificate " + id + " in " + m.storage.root() + " does not load (" + e.getMessage() + "); ordering a new one");
    }
    if (stored != null && stored.leaf().getNotAfter().toInstant().isAfter(Instant.now())) {
      m.current = stored;
      m.obtainedBy = "storage";
      NodeLog.info("ACME certificate for " + acme.domains() + " from " + m.storage.root() + ": serial "
          + stored.leaf().getSerialNumber().toString(16) + " until " + stored.leaf().getNotAfter().toInstant());
      schedule(m, renewalDelay(stored));
    } else {
      m.current = Placeholder.mint(acme.domains());
      m.placeholder = true;
      NodeLog.warning("NO ACME CERTIFICATE YET for " + acme.domains() + ": serving a SELF-SIGNED PLACEHOLDER (clients will not trust it)"
          + " until " + acme.directory() + " issues one (" + acme.challenge().id() + ")");
      schedule(m, 0);
    }
    return m;
  }

  @Override
  public ServedCertificate certificate(RouteConfig route) {
    Managed m = managed.get(routes.getOrDefault(route.name(), id(route.tls().acme())));
    if (m == null) {
      return null;
    }
    PemFiles.CertifiedKey current = m.current;
    return m.served.computeIfAbsent(route.name() + "/" + System.identityHashCode(current),
        k -> ServedCertificate.held(route.name(), current, m.placeholder ? ServedCertificate.Source.PLACEHOLDER : ServedCertificate.Source.ACME));
  }

  /** The ACME state of a route's certificate for {@code GET /api/certificates}, or null. */
  public JsonObject status(String route) {
    String id = routes.get(route);
    Managed m = id == null ? null : managed.get(id);
    if (m == null) {
      return null;
    }
    JsonObject last = m.lastAttempt == null ? null
        : new JsonObject().put("at", m.lastAttempt.toString()).put("outcome", m.lastOutcome).put("error", m.lastError);
    return new JsonObject()
        .put("acme", new JsonObject()
            .put("directory", m.acme.directory())
            .put("domains", new io.vertx.core.json.JsonArray(m.acme.domains()))
            .put("challenge", m.acme.challenge().id())
            .put("storage", m.storage.root().toString())
            .put("obtainedBy", m.obtainedBy)
            .put("attempts", m.attempts)
            .put("failures", m.failures))
        .put("lastRenewal", last)
        .put("nextRenewal", m.nextAttempt == null ? null : m.nextAttempt.toString());
  }

  private void schedule(Managed m, long delayMs) {
    vertx.cancelTimer(m.timer);
    m.nextAttempt = Instant.now().plusMillis(delayMs);
    m.timer = vertx.setTimer(Math.max(1, delayMs), t -> attempt(m));
  }

  /** Renewal is due when a third of the lifetime is left; started up to a thirtieth of it later. */
  private static long renewalDelay(PemFiles.CertifiedKey certified) {
    long lifetime = lifetimeMs(certified);
    long due = certified.leaf().getNotAfter().getTime() - lifetime / 3;
    long jitter = lifetime < 30 ? 0 : ThreadLocalRandom.current().nextLong(lifetime / 30);
    return Math.max(0, due - System.currentTimeMillis()) + jitter;
  }

  private static boolean due(PemFiles.CertifiedKey certified) {
    return System.currentTimeMillis() >= certified.leaf().getNotAfter().getTime() - lifetimeMs(certified) / 3;
  }

  private static long lifetimeMs(PemFiles.CertifiedKey certified) {
    return certified.leaf().getNotAfter().getTime() - certified.leaf().getNotBefore().getTime();
  }

  private void attempt(Managed m) {
    if (m.running || managed.get(m.id) != m) {
      return;
    }
    m.running = true;
    m.lastAttempt = Instant.now();
    m.attempts++;
    m.nextAttempt = null;
    vertx.sharedData().getLockWithTimeout(LOCK_PREFIX + m.id, LOCK_WAIT.toMillis())
        .compose(lock -> orderUnlessShared(m).andThen(done -> lock.release()))
        .onComplete(result -> {
          m.running = false;
          if (result.succeeded()) {
            m.failures = 0;
            m.lastOutcome = result.result();
            m.lastError = null;
            schedule(m, renewalDelay(m.current));
            NodeLog.info("ACME " + m.acme.domains() + ": " + result.result() + "; serial " + m.current.leaf().getSerialNumber().toString(16)
                + " until " + m.current.leaf().getNotAfter().toInstant() + ", renewal from " + m.nextAttempt);
          } else {
            m.failures++;
            m.lastOutcome = "failed";
            m.lastError = String.valueOf(result.cause().getMessage());
            long pause = Math.min(MAX_BACKOFF_MS, retryMs << Math.min(20, m.failures - 1));
            pause += ThreadLocalRandom.current().nextLong(Math.max(1, pause / 10));
            schedule(m, pause);
            NodeLog.warning("ACME " + m.acme.domains() + ": attempt " + m.attempts + " failed (" + m.lastError + "); still serving "
                + (m.placeholder ? "the self-signed placeholder" : "serial " + m.current.leaf().getSerialNumber().toString(16)
                + " until " + m.current.leaf().getNotAfter().toInstant()) + "; next attempt " + m.nextAttempt);
          }
        });
  }

  /** Under the lock: the shared certificate when another node renewed it, else a new order. */
  private Future<String> orderUnlessShared(Managed m) {
    if (!m.placeholder && !due(m.current)) {
      return Future.succeededFuture("current"); // another node's certificate arrived meanwhile
    }
    return certificateMap().compose(map -> map.get(m.id)).compose(shared -> {
      if (shared instanceof JsonObject json) {
        PemFiles.CertifiedKey certified;
        try {
          certified = AcmeStorage.parse(json);
        } catch (IllegalArgumentException e) {
          certified = null;
        }
        if (certified != null && !due(certified)) {
          PemFiles.CertifiedKey taken = certified;
          return vertx.executeBlocking(() -> {
            m.storage.store(m.id, taken);
            return taken;
          }, false).compose(c -> install(m, c, json.getString("by"))).map("shared by node " + json.getString("by"));
        }
      }
      NodeLog.info("ACME " + m.acme.domains() + ": ordering from " + m.acme.directory() + " (" + m.acme.challenge().id() + ")");
      return vertx.executeBlocking(() -> {
        PemFiles.CertifiedKey obtained = AcmeClient.order(m.acme, m.storage.accountKey(), this::publishChallenge);
        m.storage.store(m.id, obtained);
        return obtained;
      }, false).compose(obtained -> {
        JsonObject json = AcmeStorage.json(m.id, obtained, nodeName);
        return certificateMap().compose(map -> map.put(m.id, json))
            .andThen(v -> vertx.eventBus().publish(Addresses.ACME_CERTIFICATES, json))
            .compose(v -> install(m, obtained, nodeName)).map("obtained");
      });
    });
  }

  /** A certificate another node obtained: served when it lasts longer than the one here. */
  private void offer(Managed m, PemFiles.CertifiedKey certified, String by) {
    if (!m.placeholder && !m.current.leaf().getNotAfter().before(certified.leaf().getNotAfter())) {
      return;
    }
    vertx.executeBlocking(() -> {
      m.storage.store(m.id, certified);
      return null;
    }, false).compose(v -> install(m, certified, by)).onSuccess(v -> {
      m.lastOutcome = "shared by node " + by;
      m.lastError = null;
      schedule(m, renewalDelay(certified));
      NodeLog.info("ACME " + m.acme.domains() + ": serial " + certified.leaf().getSerialNumber().toString(16) + " from node " + by);
    });
  }

  private Future<Void> install(Managed m, PemFiles.CertifiedKey certified, String by) {
    m.current = certified;
    m.placeholder = false;
    m.obtainedBy = by;
    m.served.clear();
    return vertx.executeBlocking(() -> {
      store.refreshAcme();
      return null;
    }, false).mapEmpty();
  }

  /**
   * A challenge this node was not told about (yet), from the shared challenge map: true once it is
   * answerable here. For a validation that reached this node before the ordering node's message.
   */
  public Future<Boolean> lookUp(String key) {
    return challengeMap().compose(map -> map.get(key)).compose(found -> found instanceof JsonObject challenge
        ? vertx.executeBlocking(() -> {
          challenges.apply(challenge);
          return true;
        }, false)
        : Future.succeededFuture(false));
  }

  /** On the ordering worker: answerable here, in the shared map, and (clustered) on every node. */
  private void publishChallenge(JsonObject challenge) throws InterruptedException {
    challenges.apply(challenge);
    String key = challenge.getString("type") + ":" + (AcmeChallenges.TLS_ALPN.equals(challenge.getString("type"))
        ? challenge.getString("name").toLowerCase(java.util.Locale.ROOT) : challenge.getString("name"));
    JsonObject sent = challenge.copy().put("node", nodeName);
    try {
      challengeMap().compose(map -> challenge.getBoolean("pending") ? map.put(key, sent) : map.remove(key).mapEmpty())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("sharing the challenge for " + challenge.getString("name") + ": " + e.getMessage(), e);
    }
    if (vertx.isClustered()) {
      vertx.eventBus().publish(Addresses.ACME_CHALLENGES, sent);
      if (challenge.getBoolean("pending")) {
        Thread.sleep(spreadMs); // the other nodes build their answer before the server is told to look
      }
    }
  }

  private Future<AsyncMap<String, Object>> certificateMap() {
    return vertx.sharedData().getAsyncMap(CERTIFICATES_MAP);
  }

  private Future<AsyncMap<String, Object>> challengeMap() {
    return vertx.sharedData().getAsyncMap(CHALLENGES_MAP);
  }

  /** A certificate's id: its first domain (readable in {@code storage}) and a digest of what it is for. */
  static String id(AcmeConfig acme) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((acme.directory() + "\n" + String.join(",", acme.domains())).getBytes(StandardCharsets.UTF_8));
      return acme.domains().get(0).replace('*', '_') + "-" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One certificate's state on this node. */
  private static final class Managed {
    final String id;
    volatile AcmeConfig acme;
    final AcmeStorage storage;
    final Map<String, ServedCertificate> served = new ConcurrentHashMap<>();
    volatile PemFiles.CertifiedKey current;
    volatile boolean placeholder;
    volatile String obtainedBy;
    volatile Instant lastAttempt;
    volatile String lastOutcome;
    volatile String lastError;
    volatile Instant nextAttempt;
    volatile int attempts;
    volatile int failures;
    volatile boolean running;
    long timer = -1;

    Managed(String id, AcmeConfig acme, AcmeStorage storage) {
      this.id = id;
      this.acme = acme;
      this.storage = storage;
    }
  }
}
