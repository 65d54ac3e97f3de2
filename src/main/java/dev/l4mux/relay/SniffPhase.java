package dev.l4mux.relay;

import dev.l4mux.access.ClientPolicies;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.observe.L4muxMetrics;
import dev.l4mux.sniff.SniffDecision;
import dev.l4mux.sniff.Sniffed;
import dev.l4mux.sniff.SnifferCatalogue;
import dev.l4mux.sniff.proxy.ProxyHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.vertx.core.internal.buffer.BufferInternal;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A connection's bytes before its route is decided, on its event loop: a trusted peer's PROXY
 * header ({@link ProxyHeaderPhase}, stripped), then the first bytes until the sniffers decide (kept,
 * never consumed: the backend or the TLS engine gets every one). Each step is bounded by a timer
 * and by the sniff byte cap, so a silent or trickling client is decided on time (slowloris). After
 * the decision, bytes read while connecting still join the prefix, bounded by a slack beyond the
 * cap before reading pauses. It also counts a PROXY header forged by a peer whose headers are not
 * read ({@link ForgedHeaderCheck}), on the relay's reads as well.
 */
final class SniffPhase {

  private static final Logger LOG = Logger.getLogger(SniffPhase.class.getName());

  /** Bytes read beyond the sniff cap while connecting, before the client is paused. */
  private static final int PRE_RELAY_SLACK = 64 * 1024;

  /** What the connection does as this phase moves on. */
  interface Owner {
    /** The trusted peer's header was read, or it sent none and none is required: the real client is known. */
    void headerRead();

    /** The trusted peer's header was broken, incomplete, missing though required, or late. */
    void headerRefused();

    /** The sniffers decided, or the timer, the byte cap or the end of the stream made them. */
    void sniffed(Sniffed facts);

    /** The client ended its stream before sending a byte. */
    void clientLeft();
  }

  private enum Step { HEADER, SNIFFING, DECIDED }

  private final long id;
  private final Channel client;
  private final ListenerRuntime listenerRuntime;
  private final ListenerConfig listener;
  private final ClientIdentity identity;
  private final Owner owner;

  private Step step = Step.HEADER;
  private ByteBuf prefix;
  private ScheduledFuture<?> timer; // the PROXY header's timer, then the sniff timer
  private ProxyHeaderPhase headerPhase; // non-null while a trusted peer's header is awaited
  private ForgedHeaderCheck forgedHeaderCheck; // null once decided, or for trusted peers
  private boolean forgedHeader;
  private boolean timedOut;
  private boolean clientEnded;

  SniffPhase(long id, Channel client, ListenerRuntime listenerRuntime, ListenerConfig listener, ClientIdentity identity, Owner owner) {
    this.id = id;
    this.client = client;
    this.listenerRuntime = listenerRuntime;
    this.listener = listener;
    this.identity = identity;
    this.owner = owner;
  }

  /** At accept: a trusted peer's header is awaited; anyone else's first bytes are watched for a forged one. */
  void start(ClientPolicies policies) {
    if (!policies.trusts(identity.peer())) {
      forgedHeaderCheck = new ForgedHeaderCheck();
      owner.headerRead();
      return;
    }
    headerPhase = new ProxyHeaderPhase(policies.proxyProtocol(), listener.timeouts().proxyHeader(), maxSniffBytes());
    timer = client.eventLoop().schedule(this::onHeaderTimeout, headerPhase.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Sniffs for at most {@code wait}, starting with what followed the PROXY header in the same reads. */
  void sniff(Duration wait) {
    step = Step.SNIFFING;
    timer = client.eventLoop().schedule(this::onSniffTimeout, wait.toMillis(), TimeUnit.MILLISECONDS);
    if (prefix != null && prefix.isReadable()) {
      sniffPrefix();
    }
  }

  /** The listener's routes cannot be told apart by sniffed facts: no sniffing, the bytes are only kept. */
  void skip() {
    step = Step.DECIDED;
  }

  /** Every read of the client's socket, relaying or not: counts a forged PROXY header once. */
  void watch(ByteBuf read) {
    if (forgedHeaderCheck == null) {
      return;
    }
    if (forgedHeaderCheck.forgedAfter(read)) {
      forgedHeader = true;
      listenerRuntime.state().metrics().proxyHeader(listener.name(), "untrusted");
    }
    if (forgedHeaderCheck.decided()) {
      forgedHeaderCheck = null;
    }
  }

  /** A read before the relay runs: the bytes join the prefix. */
  void onBytes(ByteBuf bytes) {
    prefix = prefix == null ? bytes : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(client.alloc(), prefix, bytes);
    switch (step) {
      case HEADER -> onHeaderOutcome(headerPhase.onBytes(prefix));
      case SNIFFING -> sniffPrefix();
      case DECIDED -> {
        // Connecting: keep reading (a FIN stays behind the bytes before it), but bounded.
        if (prefix.readableBytes() > maxSniffBytes() + PRE_RELAY_SLACK) {
          client.config().setAutoRead(false);
        }
      }
    }
  }

  /**
   * The client finished sending before the relay started; every byte it sent is in the prefix (a
   * client that sent its bytes and left while we connected still has them relayed).
   */
  void onClientEnded() {
    clientEnded = true;
    if (step == Step.DECIDED) {
      return;
    }
    boolean empty = prefix == null || !prefix.isReadable();
    if (step == Step.HEADER && !empty) {
      onHeaderOutcome(headerPhase.onEnd(prefix.readableBytes()));
    } else if (empty) {
      owner.clientLeft();
    } else {
      decided(decide(true));
    }
  }

  /** The bytes so far, still owned here. */
  ByteBuf prefix() {
    return prefix;
  }

  /** Hands the bytes so far (or null) to the caller, who owns them from now on. */
  ByteBuf takePrefix() {
    ByteBuf taken = prefix;
    prefix = null;
    return taken;
  }

  boolean clientEnded() {
    return clientEnded;
  }

  /**
   * Cut by the sniff timer before the bytes told what it is (silent, or a slowloris trickle): such
   * a connection is counted as a sniff timeout, not as one that no route wanted.
   */
  boolean timedOutUndecided(Sniffed facts) {
    return timedOut && (prefix == null || !prefix.isReadable() || Sniffed.UNKNOWN.equals(facts.protocol()));
  }

  /** A PROXY header this listener did not honour (an untrusted peer's) stayed in the stream. */
  boolean forgedHeader() {
    return forgedHeader;
  }

  /** The connection ended: the timer and the bytes not handed on are released. */
  void close() {
    step = Step.DECIDED;
    cancelTimer();
    if (prefix != null) {
      prefix.release();
      prefix = null;
    }
  }

  private void sniffPrefix() {
    Sniffed decision = decide(prefix.readableBytes() >= maxSniffBytes());
    if (decision != null) {
      decided(decision);
    }
  }

  private Sniffed decide(boolean last) {
    return SniffDecision.decide(SnifferCatalogue.all(), BufferInternal.buffer(prefix == null ? Unpooled.EMPTY_BUFFER : prefix), last);
  }

  private void decided(Sniffed decision) {
    step = Step.DECIDED;
    cancelTimer();
    owner.sniffed(decision);
  }

  private int maxSniffBytes() {
    return listenerRuntime.state().routeTable().config().defaults().maxSniffBytes();
  }

  /** The PROXY header phase moved on: wait, refuse, or strip the header and go on. */
  private void onHeaderOutcome(ProxyHeaderPhase.Outcome outcome) {
    if (outcome instanceof ProxyHeaderPhase.Waiting) {
      return;
    }
    cancelTimer();
    headerPhase = null;
    step = Step.DECIDED; // until the owner starts sniffing
    L4muxMetrics metrics = listenerRuntime.state().metrics();
    if (outcome instanceof ProxyHeaderPhase.Refused refused) {
      LOG.fine(() -> "connection " + id + " from " + identity.peer() + ": " + refused.detail());
      metrics.proxyHeader(listener.name(), "invalid");
      owner.headerRefused();
      return;
    }
    ProxyHeaderPhase.Read read = (ProxyHeaderPhase.Read) outcome;
    ProxyHeader header = read.header();
    if (header != null) {
      identity.header(header);
      prefix.skipBytes(read.length()).discardReadBytes(); // sniffers read from index 0
    }
    metrics.proxyHeader(listener.name(), header == null ? "missing" : header.realClient() == null ? "local" : "accepted");
    owner.headerRead();
  }

  private void onHeaderTimeout() {
    timer = null;
    if (step == Step.HEADER) {
      onHeaderOutcome(headerPhase.onTimeout(prefix == null ? 0 : prefix.readableBytes()));
    }
  }

  private void onSniffTimeout() {
    timer = null;
    if (step == Step.SNIFFING) {
      timedOut = true;
      decided(decide(true));
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
