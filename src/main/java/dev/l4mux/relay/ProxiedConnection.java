package dev.l4mux.relay;

import dev.l4mux.access.ClientPolicies;
import dev.l4mux.acme.ChallengeResponder;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.config.TlsConfig;
import dev.l4mux.observe.L4muxMetrics;
import dev.l4mux.observe.TlsFacts;
import dev.l4mux.route.Backend;
import dev.l4mux.route.RouteDecision;
import dev.l4mux.route.RouteRequest;
import dev.l4mux.route.RouteTable;
import dev.l4mux.sniff.Sniffed;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One client connection from accept to close, confined to the event loop that accepted it: read a
 * trusted peer's PROXY header ({@link ProxyHeaderPhase}), check the listener's access list and
 * limits on the real client ({@link AdmissionPhase}), sniff the first bytes (without consuming them),
 * decide the route (and check its access list and limits), connect to a backend ({@link
 * BackendDial}), write the route's PROXY header ({@link ProxyHeaderSender}), replay
 * the prefix, relay both ways with backpressure, and account for it exactly once when it ends. It is
 * the client socket's handler; once relaying, it passes the socket's events to the {@link Relay}.
 *
 * <p>Every phase is bounded by a timer or a timeout (sniff, connect, idle; routing is a method
 * call), so no connection can get stuck in any phase.
 */
public final class ProxiedConnection extends ClientSocketHandler
    implements SniffPhase.Owner, ChallengePhase.Owner, BackendDial.Owner {

  private static final Logger LOG = Logger.getLogger(ProxiedConnection.class.getName());

  /** The name of its handler in the client socket's pipeline (and of the relay's in the backend's). */
  static final String HANDLER_NAME = "l4mux";

  enum Phase {
    SNIFFING, CONNECTING, RELAYING, CLOSED;

    final String label = name().toLowerCase(Locale.ROOT); // as the admin API shows it
  }

  private final long id;
  private final ListenerRuntime listenerRuntime;
  private final ListenerConfig listener;
  private final ClientPolicies policies;
  private final Channel client;
  private final long acceptedNanos = System.nanoTime();
  private final long acceptedAtMillis = System.currentTimeMillis();

  private Phase phase = Phase.SNIFFING;
  private final ClientIdentity identity = new ClientIdentity();
  private final AdmissionPhase admission;
  private final SniffPhase sniff;
  private Sniffed facts = Sniffed.unknown();
  private RouteConfig route;
  private Backend backend;
  private Relay relay;
  private AtomicLong activeCell;
  private long sniffNanos = -1;
  private long connectNanos = -1;
  private String closeReason;
  private LifetimeTimers lifetimeTimers;
  private TlsFacts tls;

  ProxiedConnection(long id, ListenerRuntime listenerRuntime, ListenerConfig listener, ClientPolicies policies, Channel client) {
    this.id = id;
    this.listenerRuntime = listenerRuntime;
    this.listener = listener;
    this.policies = policies;
    this.client = client;
    this.admission = new AdmissionPhase(listenerRuntime, listener, policies, acceptedNanos);
    this.sniff = new SniffPhase(id, client, listenerRuntime, listener, identity, this);
  }

  public long id() {
    return id;
  }

  /** The route it was decided on (null before the decision); compared by identity on reload. */
  RouteConfig routeConfig() {
    return route;
  }

  /** The backend it is relayed to, or null before it connected. */
  public Backend backend() {
    return backend;
  }

  /** The listener verticle that accepted it (drained with it). */
  ListenerRuntime owner() {
    return listenerRuntime;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    listenerRuntime.state().connections().add(this);
    listenerRuntime.opened();
    activeCell = listenerRuntime.state().metrics().activeConnections(listener.name(), L4muxMetrics.NONE, L4muxMetrics.NONE);
    activeCell.incrementAndGet();
    identity.peer((InetSocketAddress) client.remoteAddress());
    sniff.start(policies);
  }

  /**
   * At accept, or once a trusted peer's PROXY header was read: the listener's access list and
   * limits (on the real client), then sniffing.
   */
  @Override
  public void headerRead() {
    String refusal = admission.atListener(identity);
    if (refusal != null) {
      refuseAtListener(refusal);
      return;
    }
    RouteTable table = listenerRuntime.state().routeTable();
    if (table != null && !table.needsSniffing(listener.name())) {
      // Routes cannot be told apart by sniffed facts: connect now, so server-first protocols work.
      sniff.skip();
      decideRoute();
      return;
    }
    sniff.sniff(listener.timeouts().sniff());
  }

  @Override
  public void headerRefused() {
    refuse(L4muxMetrics.NONE, "rejected", "bad_proxy_header");
  }

  @Override
  public void clientLeft() {
    finish("client_closed");
  }

  @Override
  Relay relay() {
    return relay;
  }

  @Override
  void watch(ByteBuf read) {
    sniff.watch(read);
  }

  @Override
  void readBeforeRelay(Object message) {
    if (message instanceof ByteBuf bytes && phase != Phase.CLOSED) {
      sniff.onBytes(bytes);
    } else {
      ReferenceCountUtil.release(message);
    }
  }

  @Override
  void clientEndedBeforeRelay() {
    if (phase != Phase.CLOSED) {
      sniff.onClientEnded();
    }
  }

  @Override
  void closedBeforeRelay(String reason, Throwable cause) {
    if (cause != null) {
      LOG.fine(() -> "connection " + id + ": client error: " + cause.getMessage());
    }
    finish(reason);
  }

  /**
   * A refusal before any byte is known (the listener's access list, the node's and the listener's
   * limits): counted at once, then answered in the client's protocol (HTTP 403/503, a TLS alert)
   * once its first bytes tell it, within a short wait ({@link ListenerRefusals}).
   */
  private void refuseAtListener(String reason) {
    if (!admission.awaitAnswer()) {
      refuse(L4muxMetrics.NONE, "rejected", reason); // too many refused clients awaiting their answer: a plain close
      return;
    }
    countRefusal(L4muxMetrics.NONE, "rejected", reason);
    sniff.sniff(admission.answerWait());
  }

  @Override
  public void sniffed(Sniffed decided) {
    facts = decided;
    sniffNanos = System.nanoTime() - acceptedNanos;
    listenerRuntime.state().metrics().sniffed(listener.name(), facts.protocol(), sniffNanos);
    moveActive(L4muxMetrics.NONE, facts.protocol());
    if (admission.awaitingAnswer()) {
      answerRefusal();
      return;
    }
    phase = Phase.CONNECTING;
    ChallengePhase.answerOrRoute(client, listenerRuntime, listener, sniff, facts, this);
  }

  @Override
  public void challengeAnswered() {
    finish(ChallengeResponder.ANSWERED);
  }

  /**
   * The route decision, made on this event loop: {@link RouteTable#decide} is a method of an
   * immutable snapshot, so it needs no hop to a router verticle (docs/design.md).
   */
  @Override
  public void decideRoute() {
    phase = Phase.CONNECTING;
    RouteTable table = listenerRuntime.state().routeTable();
    InetSocketAddress source = identity.client();
    RouteDecision decision = table == null || source == null
        ? new RouteDecision.Reject(RouteDecision.NO_ROUTE)
        : table.decide(new RouteRequest(id, listener.name(), facts, source.getAddress().getHostAddress(), source.getPort()));
    if (decision instanceof RouteDecision.Forward forward) {
      route = forward.route();
      moveActive(route.name(), facts.protocol());
      String refusal = admission.atRoute(route, source.getAddress(), sniffNanos);
      if (refusal != null) { // the route's access list or limits: answered in the client's protocol
        refuse(route.name(), "rejected", refusal);
        return;
      }
      if (route.tls().terminates()) {
        List<Backend> candidates = forward.candidates();
        TlsTerminationPhase.start(client, listenerRuntime, listener, route, facts.sni(), sniff.takePrefix(), established -> {
          tls = established;
          if (phase != Phase.CLOSED) {
            connectSoon(candidates);
          }
        }, this::tlsRefused);
      } else {
        connectSoon(forward.candidates());
      }
    } else if (decision instanceof RouteDecision.Reject rejection) {
      refuse(L4muxMetrics.NONE, "rejected",
          sniff.timedOutUndecided(facts) ? "sniff_timeout" : sniff.forgedHeader() ? "bad_proxy_header" : rejection.reason());
    }
  }

  /** The TLS handshake failed: the SSL handler sent its alert and closes the socket. */
  private void tlsRefused(String reason) {
    countRefusal(route.name(), "rejected", reason);
    finish(reason);
  }

  /**
   * Counts the connection's end as {@code outcome} (under {@code routeName}) and its refusal
   * under {@code reason}, which is also its close reason.
   */
  private void countRefusal(String routeName, String outcome, String reason) {
    L4muxMetrics metrics = listenerRuntime.state().metrics();
    metrics.connectionCompleted(listener.name(), routeName, facts.protocol(), outcome);
    metrics.rejected(listener.name(), reason);
    closeReason = reason;
  }

  /** Counts the refusal ({@link #countRefusal}), tells the client why in its own protocol where possible, and closes. */
  private void refuse(String routeName, String outcome, String reason) {
    countRefusal(routeName, outcome, reason);
    answerRefusal();
  }

  /** Tells the client why it was refused ({@link #closeReason}) in its own protocol where possible, and closes. */
  private void answerRefusal() {
    // After a terminated handshake the client's socket speaks TLS records through the SSL handler:
    // a raw rejection would arrive as garbage; closing sends close_notify instead.
    if (tls == null) {
      Rejections.send(client, facts.protocol(), closeReason);
    }
    finish(closeReason);
  }

  /** The connect phase ({@link BackendDial}): the candidates in turn, then the relay. */
  private void connectSoon(List<Backend> candidates) {
    new BackendDial(id, client, listenerRuntime, listener.name(), route, tls, facts.sni(), candidates, this).start();
  }

  @Override
  public boolean closed() {
    return phase == Phase.CLOSED;
  }

  @Override
  public void connected(Channel upstream, Backend candidate, Relay attempted, long connectNanos) {
    L4muxMetrics metrics = listenerRuntime.state().metrics();
    this.connectNanos = connectNanos;
    backend = candidate;
    candidate.connected();
    metrics.backendConnected(route.name(), connectNanos);
    metrics.connectionCompleted(listener.name(), route.name(), facts.protocol(), "forwarded");
    phase = Phase.RELAYING;
    relay = attempted;
    ByteBuf replay = sniff.takePrefix();
    boolean clientSent = replay != null && replay.isReadable();
    if (route.tls().mode() != TlsConfig.Mode.REENCRYPT) { // a re-encrypting route wrote it before its handshake
      ProxyHeaderSender.writeAhead(upstream, proxyHeader(), replay);
    }
    relay.start(replay, sniff.clientEnded());
    lifetimeTimers = LifetimeTimers.arm(client.eventLoop(), route.timeouts(), System.nanoTime() - acceptedNanos, clientSent,
        relay::bytesUp, relay::bytesDown, this::close);
  }

  @Override
  public void noBackend() {
    refuse(route.name(), "failed", "backend_unavailable");
  }

  @Override
  public void relayEnded(String reason) {
    finish(reason);
  }

  @Override
  public ByteBuf proxyHeader() {
    return ProxyHeaderSender.header(route.proxyProtocol(), identity.client(), identity.destination((InetSocketAddress) client.localAddress()),
        facts, tls, listenerRuntime.state().nodeName() + ":" + id, identity.header());
  }

  /**
   * The node drains: a connection still sniffing or connecting closes at once, a relaying one runs
   * on until the drain limit. Runs on the connection's event loop.
   */
  void drainFromAnyThread() {
    client.eventLoop().execute(() -> {
      if (phase != Phase.RELAYING) {
        close("drain");
      }
    });
  }

  /** Closes the connection from any thread (admin API, drain limit); runs on the connection's event loop. */
  public void closeFromAnyThread(String reason) {
    client.eventLoop().execute(() -> close(reason));
  }

  private void close(String reason) {
    if (phase == Phase.CLOSED) {
      return;
    }
    if (relay != null) {
      relay.close(reason);
    } else {
      finish(reason);
    }
  }

  private void finish(String reason) {
    if (phase == Phase.CLOSED) {
      return;
    }
    phase = Phase.CLOSED;
    if (closeReason == null) {
      closeReason = reason;
    }
    sniff.close();
    if (lifetimeTimers != null) {
      lifetimeTimers.cancel();
    }
    if (relay == null) {
      Relay.closeAfterFlush(client); // a relay closes its sockets itself
    }
    listenerRuntime.state().connections().remove(this);
    admission.release();
    activeCell.decrementAndGet();
    if (backend != null) {
      backend.disconnected();
    }
    String node = listenerRuntime.state().nodeName();
    listenerRuntime.closed(client.eventLoop(), snapshot().closed(node, millis(sniffNanos), millis(connectNanos), closeReason));
  }

  private void moveActive(String routeName, String protocol) {
    activeCell.decrementAndGet();
    activeCell = listenerRuntime.state().metrics().activeConnections(listener.name(), routeName, protocol);
    activeCell.incrementAndGet();
  }

  private static Long millis(long nanos) {
    return nanos < 0 ? null : TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  /** A point-in-time view for the admin API (read from another thread: values may lag slightly). */
  public ConnectionSnapshot snapshot() {
    Relay r = relay;
    Backend b = backend;
    RouteConfig rt = route;
    Sniffed f = facts;
    return new ConnectionSnapshot(
        id, listener.name(), identity.peerText(), identity.realClientText(), f.protocol(), f.sni(), f.alpn(), f.host(),
        rt == null ? null : rt.name(), b == null ? null : b.address().toString(),
        r == null ? 0 : r.bytesUp(), r == null ? 0 : r.bytesDown(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedNanos), Instant.ofEpochMilli(acceptedAtMillis),
        phase.label, identity.tlvs(), tls);
  }
}
