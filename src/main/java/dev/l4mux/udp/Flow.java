package dev.l4mux.udp;

import dev.l4mux.bus.Addresses;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.observe.FlowEnded;
import dev.l4mux.observe.FlowsEnded;
import dev.l4mux.route.Backend;
import dev.l4mux.route.RouteDecision;
import dev.l4mux.route.RouteRequest;
import dev.l4mux.route.RouteTable;
import dev.l4mux.sniff.DatagramSnifferCatalogue;
import dev.l4mux.sniff.Sniffed;
import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One UDP flow, on the event loop of the listening socket its first datagram arrived on: its
 * first datagrams are held and sniffed, the route table decides, a connected backend socket is
 * opened on the same loop, and from then on datagrams pass both ways without sniffing until
 * {@code timeouts.udpIdle} passes without one either way. Used only on its loop.
 */
final class Flow {

  /** Datagrams held while sniffing and connecting (a QUIC first flight is one to a few). */
  static final int MAX_HELD_DATAGRAMS = 8;

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(Flow.class.getName());

  private enum State { SNIFFING, CONNECTING, RELAYING, ENDED }

  private final long id;
  private final UdpListener listener;
  private final ListenerSocket socket;
  private final long startNanos;
  private final Instant started = Instant.now();
  private volatile InetSocketAddress client;
  private final FlowIdentity identity;
  private final FlowAdmission admission;
  private volatile State state = State.SNIFFING;
  private List<ByteBuf> held = new ArrayList<>();
  private int heldBytes;
  private ScheduledFuture<?> sniffTimer;
  private ScheduledFuture<?> idleTimer;
  private long lastActivityNanos;
  private Duration udpIdle;
  private volatile Sniffed facts;
  private volatile RouteConfig route;
  private volatile Backend backend;
  private Long sniffMs;
  private DatagramChannel backendChannel;
  private AtomicLong activeCell;
  private Counter upCounter;
  private Counter downCounter;
  private boolean firstSeen; // the first datagram's PROXY header was read when the flow opened
  private FlowProxyHeader proxyHeader; // the route's header towards the backend, or null
  private final FlowKeys keys;
  private volatile long datagramsUp;
  private volatile long datagramsDown;
  private volatile long bytesUp;
  private volatile long bytesDown;

  Flow(UdpListener listener, ListenerSocket socket, InetSocketAddress client, FlowIdentity identity, FlowAdmission admission,
      long startNanos) {
    this.id = listener.flows().nextId();
    this.startNanos = startNanos;
    this.lastActivityNanos = startNanos;
    this.listener = listener;
    this.socket = socket;
    this.client = client;
    this.identity = identity;
    this.admission = admission;
    this.keys = new FlowKeys(listener, this);
  }

  long id() {
    return id;
  }

  EventLoop loop() {
    return socket.loop();
  }

  /**
   * True when this datagram, from the flow's own client address, opens another QUIC connection:
   * an Initial whose Destination Connection ID is neither the first one nor one the server chose.
   * A client port reused for a new connection (a restarted client, a NAT mapping handed on) must
   * be routed afresh, not sent to the previous connection's backend.
   */
  boolean startsAnotherConnection(ByteBuf datagram) {
    return state != State.ENDED && keys.startsAnotherConnection(datagram);
  }

  /** A datagram from the client (its address may have changed: the flow follows it). */
  void fromClient(ByteBuf datagram, InetSocketAddress from) {
    if (state == State.ENDED) {
      datagram.release();
      return;
    }
    if (identity.trusted() && firstSeen && !acceptLaterHeader(datagram)) {
      return;
    }
    firstSeen = true;
    if (!from.equals(client)) {
      socket.moved(this, client, from);
      client = from;
    }
    lastActivityNanos = System.nanoTime();
    switch (state) {
      case SNIFFING -> {
        if (hold(datagram)) {
          sniff(false);
        }
      }
      case CONNECTING -> hold(datagram);
      default -> forward(datagram);
    }
  }

  /** A later datagram of a trusted peer may carry a header too (a sender that writes one on each). */
  private boolean acceptLaterHeader(ByteBuf datagram) {
    String refusal = DatagramProxyHeaders.later(datagram, identity.header(), listener.state().routeTable().config().defaults().maxSniffBytes());
    if (refusal == null) {
      return true;
    }
    LOG.fine(() -> "flow " + id + " from " + client + ": " + refusal);
    listener.dropped(UdpMetrics.BAD_PROXY_HEADER, 1);
    datagram.release();
    return false;
  }

  private boolean hold(ByteBuf datagram) {
    if (held.size() >= MAX_HELD_DATAGRAMS) {
      listener.dropped(UdpMetrics.QUEUE_FULL, 1);
      datagram.release();
      return false;
    }
    held.add(datagram);
    heldBytes += datagram.readableBytes();
    return true;
  }

  private void sniff(boolean timedOut) {
    RouteTable table = listener.state().routeTable();
    Sniffed decided;
    if (!table.needsSniffing(listener.name())) {
      decided = Sniffed.unknown();
    } else {
      boolean last = timedOut
          || held.size() >= MAX_HELD_DATAGRAMS
          || heldBytes >= table.config().defaults().maxSniffBytes();
      List<Buffer> views = new ArrayList<>(held.size());
      held.forEach(d -> views.add(BufferInternal.buffer(d.slice()))); // index 0 = after a stripped PROXY header
      decided = DatagramSniffing.decide(DatagramSnifferCatalogue.all(), views, last);
    }
    if (decided == null) {
      if (sniffTimer == null) {
        sniffTimer = loop().schedule(() -> {
          if (state == State.SNIFFING) {
            sniff(true);
          }
        }, listener.settings().timeouts().sniff().toMillis(), TimeUnit.MILLISECONDS);
      }
      return;
    }
    if (sniffTimer != null) {
      sniffTimer.cancel(false);
    }
    facts = decided;
    if ("quic".equals(decided.protocol())) {
      keys.quicStarted(held.get(0));
    }
    long decidedNanos = System.nanoTime();
    sniffMs = TimeUnit.NANOSECONDS.toMillis(decidedNanos - startNanos);
    listener.state().metrics().sniffed(listener.name(), decided.protocol(), decidedNanos - startNanos); // l4mux_sniff_seconds, as for TCP
    decide(table, decided, decidedNanos);
  }

  private void decide(RouteTable table, Sniffed decided, long decidedNanos) {
    InetSocketAddress source = identity.client();
    RouteDecision decision = table.decide(new RouteRequest(
        id, listener.name(), decided, source.getAddress().getHostAddress(), source.getPort()));
    if (!(decision instanceof RouteDecision.Forward forward) || forward.candidates().isEmpty()) {
      // Sanitization: no route and no fallback. Dropped, counted, never answered. A PROXY header
      // this listener did not read (an untrusted peer's) stayed in the datagram: that is why.
      listener.refused(identity.forgedHeader() ? UdpMetrics.BAD_PROXY_HEADER : UdpMetrics.NO_ROUTE, held.size());
      end(null);
      return;
    }
    String refusal = admission.toRoute(listener.policies(), forward.route(), source.getAddress(), decidedNanos);
    if (refusal != null) { // the route's access list or limits: nothing is answered (no protocol to answer in)
      listener.refused(refusal, held.size());
      end(null);
      return;
    }
    route = forward.route();
    backend = forward.candidates().stream().filter(Backend::isUp).findFirst().orElse(forward.candidates().get(0));
    ListenerConfig settings = listener.settings();
    udpIdle = route.timeouts().udpIdle().equals(table.config().defaults().timeouts().udpIdle())
        ? settings.timeouts().udpIdle()
        : route.timeouts().udpIdle();
    connect();
  }

  /** Opens the backend socket on this loop and connects it (UDP: sets its only peer). */
  private void connect() {
    state = State.CONNECTING;
    InetSocketAddress literal = backend.datagramAddress();
    InetSocketAddress target = literal != null || backend.address().isBuiltin()
        ? literal
        : new InetSocketAddress(backend.address().host(), backend.address().port());
    if (target == null || target.isUnresolved()) { // a built-in one that answers no datagrams, or not bound
      listener.dropped(UdpMetrics.BACKEND_UNAVAILABLE, held.size());
      end(null);
      return;
    }
    DatagramChannel channel = listener.sockets().newBackendChannel(target.getAddress());
    channel.pipeline().addLast("l4mux-udp-backend", new BackendReader());
    backendChannel = channel;
    loop().register(channel).addListener(registered -> {
      if (!registered.isSuccess()) {
        failConnect();
        return;
      }
      channel.connect(target).addListener(connected -> {
        if (!connected.isSuccess()) {
          failConnect();
          return;
        }
        relaying();
      });
    });
  }

  private void failConnect() {
    listener.dropped(UdpMetrics.BACKEND_UNAVAILABLE, held.size());
    end(null);
  }

  private void relaying() {
    if (state == State.ENDED) {
      return;
    }
    state = State.RELAYING;
    UdpMetrics metrics = listener.flows().metrics();
    activeCell = metrics.activeFlows(listener.name(), route.name());
    activeCell.incrementAndGet();
    upCounter = metrics.datagrams(listener.name(), route.name(), "upstream");
    downCounter = metrics.datagrams(listener.name(), route.name(), "downstream");
    proxyHeader = FlowProxyHeader.of(route.proxyProtocol(), identity.client(),
        identity.destination(socket.channel().localAddress()), facts,
        listener.state().nodeName() + ":" + id, identity.header());
    List<ByteBuf> first = held;
    held = null;
    for (ByteBuf datagram : first) {
      forward(datagram);
    }
    scheduleIdle(udpIdle.toNanos());
  }

  private void forward(ByteBuf datagram) {
    if (!backendChannel.isWritable()) {
      listener.dropped(UdpMetrics.QUEUE_FULL, 1);
      datagram.release();
      return;
    }
    datagramsUp++;
    bytesUp += datagram.readableBytes();
    upCounter.increment();
    ByteBuf out = proxyHeader != null ? proxyHeader.prepend(datagram, backendChannel.alloc())
        : datagram.readerIndex() == 0 ? datagram
        : datagram.slice(); // a stripped PROXY header: Netty 4.2.12's io_uring datagram write starts at index 0
    backendChannel.writeAndFlush(out, backendChannel.voidPromise());
  }

  private void fromBackend(ByteBuf datagram) {
    lastActivityNanos = System.nanoTime();
    keys.fromBackend(facts.protocol(), datagram);
    DatagramChannel out = socket.channel();
    if (!out.isWritable()) {
      listener.dropped(UdpMetrics.QUEUE_FULL, 1);
      datagram.release();
      return;
    }
    datagramsDown++;
    bytesDown += datagram.readableBytes();
    downCounter.increment();
    out.writeAndFlush(new DatagramPacket(datagram, client), out.voidPromise());
  }

  /** Re-armed lazily: one timer per idle period, not one per datagram. */
  private void scheduleIdle(long delayNanos) {
    idleTimer = loop().schedule(() -> {
      long idleFor = System.nanoTime() - lastActivityNanos;
      if (state == State.ENDED) {
        return;
      }
      if (idleFor >= udpIdle.toNanos()) {
        end("idle");
      } else {
        scheduleIdle(udpIdle.toNanos() - idleFor);
      }
    }, delayNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Ends the flow once: releases what it holds, closes its backend socket, leaves the tables and,
   * when it was relaying, is logged and counted. A null reason: it never started (dropped).
   */
  void end(String reason) {
    if (state == State.ENDED) {
      return;
    }
    boolean wasRelaying = state == State.RELAYING;
    state = State.ENDED;
    if (sniffTimer != null) {
      sniffTimer.cancel(false);
    }
    if (idleTimer != null) {
      idleTimer.cancel(false);
    }
    if (held != null) {
      held.forEach(ByteBuf::release);
      held = null;
    }
    if (backendChannel != null) {
      backendChannel.close();
    }
    socket.ended(this, client);
    keys.forgetAll();
    listener.flows().remove(this);
    admission.release();
    if (wasRelaying) {
      activeCell.decrementAndGet();
      listener.vertx().eventBus().publish(Addresses.FLOW_EVENTS, new FlowsEnded(List.of(ended(reason))), LOCAL);
    }
  }

  private FlowEnded ended(String reason) {
    return new FlowEnded(
        Instant.now(), id, listener.state().nodeName(), listener.name(), hostPort(client), identity.realClientText(),
        identity.tlvs(), facts.protocol(), facts.sni(), facts.alpn(), route.name(), backend.address().toString(),
        bytesUp, bytesDown, datagramsUp, datagramsDown, sniffMs,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), reason, quicVersion());
  }

  private String quicVersion() {
    Sniffed known = facts;
    return known != null && "quic".equals(known.protocol()) ? known.detail() : null;
  }

  private static String hostPort(InetSocketAddress address) {
    String host = address.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
  }

  /** For {@code GET /api/flows}: read from the admin thread, so a moment's values. */
  JsonObject toJson() {
    Sniffed known = facts;
    RouteConfig r = route;
    Backend b = backend;
    return new JsonObject()
        .put("id", id)
        .put("listener", listener.name())
        .put("client", hostPort(client))
        .put("realClient", identity.realClientText())
        .put("proxyTlvs", identity.tlvs() == null ? null : new JsonObject(new java.util.LinkedHashMap<>(identity.tlvs())))
        .put("state", state.name().toLowerCase(java.util.Locale.ROOT))
        .put("protocol", known == null ? null : known.protocol())
        .put("sni", known == null ? null : known.sni())
        .put("alpn", known == null ? new JsonArray() : new JsonArray(known.alpn()))
        .put("quicVersion", quicVersion())
        .put("route", r == null ? null : r.name())
        .put("backend", b == null ? null : b.address().toString())
        .put("connectionIds", keys.connectionIdsJson())
        .put("receiverIndexes", keys.indexesJson())
        .put("datagramsUp", datagramsUp)
        .put("datagramsDown", datagramsDown)
        .put("bytesUp", bytesUp)
        .put("bytesDown", bytesDown)
        .put("ageMs", Duration.between(started, Instant.now()).toMillis());
  }

  /** Replies of the backend; an ICMP error (nobody listens there) ends the flow. */
  private final class BackendReader extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
      DatagramPacket packet = (DatagramPacket) message;
      if (state == State.RELAYING) {
        fromBackend(packet.content());
      } else {
        packet.release();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof java.net.PortUnreachableException) {
        end("backend_unreachable");
      }
    }
  }
}
