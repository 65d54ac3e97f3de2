package dev.l4mux.relay;

import dev.l4mux.NodeState;
import dev.l4mux.bus.Addresses;
import dev.l4mux.config.HostPort;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.observe.ConnectionClosed;
import dev.l4mux.observe.L4muxMetrics;
import dev.l4mux.route.Backend;
import dev.l4mux.route.RouteDecision;
import dev.l4mux.route.RouteRequest;
import dev.l4mux.route.RouteTable;
import dev.l4mux.sniff.SniffDecision;
import dev.l4mux.sniff.Sniffed;
import dev.l4mux.sniff.SnifferCatalogue;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One client connection from accept to close, confined to the event loop that accepted it:
 * sniff the first bytes (without consuming them), ask the router, connect to a backend, replay the
 * prefix, relay both ways with backpressure, and account for it exactly once when it ends.
 *
 * <p>Every phase is bounded by a timer or a timeout (sniff, connect, idle; routing is a method
 * call), so no connection can get stuck in any phase.
 */
public final class ProxiedConnection {

  private static final Logger LOG = Logger.getLogger(ProxiedConnection.class.getName());
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  /** Bytes read beyond the sniff cap while routing and connecting before the client is paused. */
  private static final int PRE_RELAY_SLACK = 64 * 1024;

  enum Phase { SNIFFING, ROUTING, CONNECTING, RELAYING, CLOSED }

  private final long id;
  private final Vertx vertx;
  private final Context context;
  private final NodeState state;
  private final NetClient netClient;
  private final ListenerConfig listener;
  private final NetSocket client;
  private final SocketAddress clientAddress;
  private final String clientText;
  private final long acceptedNanos = System.nanoTime();
  private final Instant acceptedAt = Instant.now();

  private Phase phase = Phase.SNIFFING;
  private Buffer prefix = Buffer.buffer();
  private long timerId = -1;
  private boolean sniffTimedOut;
  private boolean clientEnded;
  private Sniffed facts = Sniffed.unknown();
  private RouteConfig route;
  private Backend backend;
  private Relay relay;
  private AtomicLong activeCell;
  private long sniffNanos = -1;
  private long connectNanos = -1;
  private String closeReason;

  ProxiedConnection(
      long id, Vertx vertx, Context context, NodeState state, NetClient netClient, ListenerConfig listener, NetSocket client) {
    this.id = id;
    this.vertx = vertx;
    this.context = context;
    this.state = state;
    this.netClient = netClient;
    this.listener = listener;
    this.client = client;
    this.clientAddress = client.remoteAddress();
    this.clientText = new HostPort(clientAddress.hostAddress(), clientAddress.port()).toString();
  }

  public long id() {
    return id;
  }

  /** Starts handling the freshly accepted socket; called on its event loop. */
  void start() {
    state.connections().add(this);
    activeCell = state.metrics().activeConnections(listener.name(), L4muxMetrics.NONE, L4muxMetrics.NONE);
    activeCell.incrementAndGet();
    client.exceptionHandler(this::onClientFailure);
    client.closeHandler(v -> onClientEnded());
    client.shutdownHandler(v -> onDrain());
    RouteTable table = state.routeTable();
    // Raw messages, with the FIN in-band behind the last byte: nothing read can be overtaken by the
    // end of the stream, even while paused (see docs/design.md, "End of stream").
    HalfClosure.deliverEndOfInput(client);
    ((NetSocketInternal) client).messageHandler(this::onClientMessage);
    if (table != null && !table.needsSniffing(listener.name())) {
      // Routes cannot be told apart by sniffed facts: connect now, so server-first protocols work.
      askRouter();
      return;
    }
    timerId = vertx.setTimer(listener.timeouts().sniff().toMillis(), t -> onSniffTimeout());
  }

  private void onClientMessage(Object message) {
    if (message == HalfClosure.END_OF_INPUT) {
      onClientEnded();
    } else if (message instanceof ByteBuf bytes) {
      onSniffBytes(BufferInternal.safeBuffer(bytes)); // copies (the prefix is small) and releases
    } else {
      ReferenceCountUtil.release(message);
    }
  }

  private void onSniffBytes(Buffer bytes) {
    prefix.appendBuffer(bytes);
    if (phase != Phase.SNIFFING) {
      // Routing or connecting: keep reading (so a FIN stays behind the bytes before it), but bounded.
      if (prefix.length() > state.routeTable().config().defaults().maxSniffBytes() + PRE_RELAY_SLACK) {
        client.pause();
      }
      return;
    }
    boolean atCap = prefix.length() >= state.routeTable().config().defaults().maxSniffBytes();
    Sniffed decided = SniffDecision.decide(SnifferCatalogue.all(), prefix, atCap);
    if (decided != null) {
      sniffed(decided);
    }
  }

  /**
   * The client finished sending (FIN or close) before the relay started; every byte it sent is in
   * the prefix. A client that sent its bytes and left while we routed or connected still has them
   * relayed: the relay starts ended on the client side.
   */
  private void onClientEnded() {
    if (phase == Phase.RELAYING || phase == Phase.CLOSED) {
      return;
    }
    clientEnded = true;
    if (phase != Phase.SNIFFING) {
      return;
    }
    if (prefix.length() == 0) {
      finish("client_closed");
    } else {
      sniffed(SniffDecision.decide(SnifferCatalogue.all(), prefix, true));
    }
  }

  private void onSniffTimeout() {
    timerId = -1;
    if (phase == Phase.SNIFFING) {
      sniffTimedOut = true;
      sniffed(SniffDecision.decide(SnifferCatalogue.all(), prefix, true));
    }
  }

  private void sniffed(Sniffed decided) {
    cancelTimer();
    facts = decided;
    sniffNanos = System.nanoTime() - acceptedNanos;
    state.metrics().sniffed(listener.name(), facts.protocol(), sniffNanos);
    moveActive(L4muxMetrics.NONE, facts.protocol());
    askRouter();
  }

  /**
   * The route decision, made on this event loop: {@link RouteTable#decide} is a method of an
   * immutable snapshot, so it needs no hop over {@link Addresses#ROUTE} (whose router verticles
   * answer from the same table); docs/performance.md has the measurement.
   */
  private void askRouter() {
    phase = Phase.ROUTING;
    RouteTable table = state.routeTable();
    RouteDecision decision = table == null
        ? new RouteDecision.Reject(RouteDecision.NO_ROUTE)
        : table.decide(new RouteRequest(id, listener.name(), facts, clientAddress.hostAddress(), clientAddress.port()));
    if (decision instanceof RouteDecision.Forward forward) {
      forward(forward);
    } else if (decision instanceof RouteDecision.Reject rejection) {
      reject(sniffTimedOut && prefix.length() == 0 ? "sniff_timeout" : rejection.reason());
    }
  }

  private void reject(String reason) {
    state.metrics().connectionCompleted(listener.name(), L4muxMetrics.NONE, facts.protocol(), "rejected");
    refuse(reason);
  }

  /** Counts the refusal, tells the client why in its own protocol where possible, and closes. */
  private void refuse(String reason) {
    state.metrics().rejected(listener.name(), reason);
    closeReason = reason;
    Buffer message = Rejections.message(facts.protocol(), reason);
    if (message != null) {
      client.write(message);
    }
    client.close();
    finish(reason);
  }

  private void forward(RouteDecision.Forward decision) {
    route = decision.route();
    moveActive(route.name(), facts.protocol());
    phase = Phase.CONNECTING;
    connectSoon(decision.candidates(), 0);
  }

  /**
   * Connects in a task of this event loop, never from inside an I/O event handler. A socket opened
   * while Netty still dispatches one epoll batch can get the descriptor number of a socket closed
   * earlier in that batch; Netty 4.2 maps events to channels by descriptor alone, so the closed
   * socket's pending events (EPOLLRDHUP) would reach the new socket and close it mid-connect.
   * Tasks run after the batch. Found by the HTTP {@code Connection: close} benchmark.
   */
  private void connectSoon(List<Backend> candidates, int attempt) {
    context.runOnContext(v -> {
      if (phase != Phase.CLOSED) {
        connect(candidates, attempt);
      }
    });
  }

  private void connect(List<Backend> candidates, int attempt) {
    if (attempt >= candidates.size()) {
      state.metrics().connectionCompleted(listener.name(), route.name(), facts.protocol(), "failed");
      refuse("backend_unavailable");
      return;
    }
    Backend candidate = candidates.get(attempt);
    long started = System.nanoTime();
    ConnectOptions options =
        new ConnectOptions()
            .setHost(candidate.address().host())
            .setPort(candidate.address().port())
            .setTimeout((int) Math.min(Integer.MAX_VALUE, route.timeouts().connect().toMillis()));
    netClient
        .connect(options)
        .onComplete(
            result -> {
              if (result.failed()) {
                candidate.connectFailed();
                LOG.fine(() -> "connection " + id + ": backend " + candidate.address() + " failed: " + result.cause());
                if (phase != Phase.CLOSED) {
                  connectSoon(candidates, attempt + 1);
                }
                return;
              }
              NetSocket upstream = result.result();
              if (phase == Phase.CLOSED) {
                upstream.close(); // the client left while we were connecting
                return;
              }
              connectNanos = System.nanoTime() - started;
              backend = candidate;
              candidate.connected();
              state.metrics().backendConnected(route.name(), connectNanos);
              state.metrics().connectionCompleted(listener.name(), route.name(), facts.protocol(), "forwarded");
              startRelay(upstream);
            });
  }

  private void startRelay(NetSocket upstream) {
    phase = Phase.RELAYING;
    L4muxMetrics metrics = state.metrics();
    relay =
        new Relay(
            vertx, client, upstream, metrics.bytes(route.name(), "upstream"),
            metrics.bytes(route.name(), "downstream"), route.keepAlive().effectiveIdle(route.timeouts().idle()),
            route.halfClose(), this::finish);
    Buffer replay = prefix;
    prefix = null;
    relay.start(replay, clientEnded);
  }

  private void onClientFailure(Throwable failure) {
    LOG.fine(() -> "connection " + id + ": client error: " + failure.getMessage());
    finish("client_error");
  }

  private void onDrain() {
    if (phase != Phase.RELAYING) {
      close("drain");
    }
    // Relaying connections run on until the drain timeout; the listener's shutdown closes the rest.
  }

  /** Closes the connection from anywhere (admin API); runs on the connection's event loop. */
  public void closeFromAnyThread(String reason) {
    context.runOnContext(v -> close(reason));
  }

  private void close(String reason) {
    if (phase == Phase.CLOSED) {
      return;
    }
    if (relay != null) {
      relay.close(reason);
    } else {
      client.close();
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
    cancelTimer();
    if (relay == null) {
      client.close(); // a relay closes its sockets itself, once their last writes are out
    }
    state.connections().remove(this);
    activeCell.decrementAndGet();
    if (backend != null) {
      backend.disconnected();
    }
    vertx.eventBus().publish(Addresses.CONNECTION_EVENTS, closedEvent(), LOCAL);
  }

  private void moveActive(String routeName, String protocol) {
    activeCell.decrementAndGet();
    activeCell = state.metrics().activeConnections(listener.name(), routeName, protocol);
    activeCell.incrementAndGet();
  }

  private void cancelTimer() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  private ConnectionClosed closedEvent() {
    return new ConnectionClosed(
        Instant.now(), id, state.nodeName(), listener.name(), clientText, null,
        facts.protocol(), facts.sni(), facts.alpn(), facts.host(),
        route == null ? null : route.name(), backend == null ? null : backend.address().toString(),
        relay == null ? 0 : relay.bytesUp(), relay == null ? 0 : relay.bytesDown(),
        sniffNanos < 0 ? null : TimeUnit.NANOSECONDS.toMillis(sniffNanos),
        connectNanos < 0 ? null : TimeUnit.NANOSECONDS.toMillis(connectNanos),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedNanos), closeReason);
  }

  /** A point-in-time view for the admin API (read from another thread: values may lag slightly). */
  public ConnectionSnapshot snapshot() {
    Relay r = relay;
    Backend b = backend;
    RouteConfig rt = route;
    return new ConnectionSnapshot(
        id, listener.name(), clientText, null, facts.protocol(), facts.sni(), facts.alpn(), facts.host(),
        rt == null ? null : rt.name(), b == null ? null : b.address().toString(),
        r == null ? 0 : r.bytesUp(), r == null ? 0 : r.bytesDown(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acceptedNanos), acceptedAt, phase.name().toLowerCase(java.util.Locale.ROOT));
  }
}
