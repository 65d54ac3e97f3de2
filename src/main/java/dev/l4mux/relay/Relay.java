package dev.l4mux.relay;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Relays bytes both ways between a client and its backend, two sockets on one event loop.
 *
 * <p>Zero copy: a buffer read from one socket is written to the other as it is, and released by
 * that write. Writes are flushed once the event loop has handled its current batch of events
 * (see {@link Side#flushSoon}), so a FIN read in the same batch leaves with the data.
 *
 * <p>Backpressure: when the destination has more than {@link Sockets#WATER_MARK} queued, the source
 * stops reading (its kernel buffer then fills and TCP flow control slows the sender) until the
 * destination drains below the low mark.
 *
 * <p>End of stream: Netty delivers a peer's FIN (RFC 9293 3.6) as an input-shutdown event after
 * every byte read before it, and both sockets allow half-closure, so the FIN can never overtake
 * data. Without half-close, the first side to end closes both. With half-close, a FIN is passed on
 * as a FIN once what came before it is written, and the relay ends when both directions have; a
 * full close or a reset of either side still ends it at once. A socket is closed only after its
 * queued writes are out (Netty discards them on close), or after {@link #FLUSH_GRACE} when its
 * peer stopped reading, so nothing lingers.
 */
final class Relay {

  private static final Logger LOG = Logger.getLogger(Relay.class.getName());
  static final Duration FLUSH_GRACE = Duration.ofSeconds(10);

  private final Side client;
  private final Side backend;
  private final long idleNanos;
  private final boolean tcpKeepAlive;
  private final boolean halfClose;
  private final Consumer<String> onFinished;

  private long lastActivityNanos = System.nanoTime();
  private ScheduledFuture<?> idleTimer;
  private boolean started;
  private boolean finished;

  /**
   * @param idleTimeout close after this long without a byte either way; null for never
   * @param halfClose the route relays a FIN as a FIN
   * @param onFinished told the close reason, once
   */
  Relay(Channel clientChannel, Channel backendChannel, Counter upstreamBytes, Counter downstreamBytes,
      Duration idleTimeout, boolean halfClose, Consumer<String> onFinished) {
    this.client = new Side("client", clientChannel, upstreamBytes);
    this.backend = new Side("backend", backendChannel, downstreamBytes);
    client.peer = backend;
    backend.peer = client;
    this.idleNanos = idleTimeout == null ? -1 : Math.max(TimeUnit.MILLISECONDS.toNanos(1), idleTimeout.toNanos());
    this.tcpKeepAlive = Sockets.needsTcpKeepAlive(idleTimeout);
    this.halfClose = halfClose;
    this.onFinished = onFinished;
  }

  /** The backend socket's handler, added before it connects. */
  ChannelInboundHandlerAdapter backendHandler() {
    return backend;
  }

  /** Handles the client socket's events once relaying; its own handler passes them on. */
  ChannelInboundHandlerAdapter clientHandler() {
    return client;
  }

  /**
   * Writes the sniffed prefix to the backend, then relays both ways; call once the backend is connected.
   *
   * @param replay the client's bytes read so far (ownership passes to the relay), or null
   * @param clientEnded the client already sent its FIN while we sniffed and connected
   */
  void start(ByteBuf replay, boolean clientEnded) {
    started = true;
    if (tcpKeepAlive) {
      Sockets.enableTcpKeepAlive(client.channel);
      Sockets.enableTcpKeepAlive(backend.channel);
    }
    if (replay != null && replay.isReadable()) {
      client.count(replay.readableBytes());
      backend.channel.writeAndFlush(replay, backend.channel.voidPromise());
    } else if (replay != null) {
      replay.release();
    }
    armIdleTimer(idleNanos);
    if (clientEnded) {
      client.inputEnded();
    } else if (!client.channel.config().isAutoRead()) {
      client.channel.config().setAutoRead(true); // paused while connecting (the prefix was at its cap)
    }
  }

  long bytesUp() {
    return client.bytes;
  }

  long bytesDown() {
    return backend.bytes;
  }

  /** Closes both sides, each once what the other sent it is written, and ends the relay. */
  void close(String reason) {
    if (finished || !started) {
      return;
    }
    closeAfterFlush(client.channel);
    closeAfterFlush(backend.channel);
    finish(reason);
  }

  private void finish(String reason) {
    finished = true;
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
    onFinished.accept(reason);
  }

  /** Lazily re-armed: one timer per idle period, not one reset per buffer. */
  private void armIdleTimer(long delayNanos) {
    if (idleNanos < 0 || finished) {
      return;
    }
    idleTimer = client.channel.eventLoop().schedule(() -> {
      idleTimer = null;
      long idleFor = System.nanoTime() - lastActivityNanos;
      if (idleFor >= idleNanos) {
        close("idle_timeout");
      } else {
        armIdleTimer(idleNanos - idleFor);
      }
    }, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** One socket of the relay, as the source of the bytes it reads. */
  private final class Side extends ChannelInboundHandlerAdapter implements Runnable {
    final String name;
    final Channel channel;
    final Counter counter;
    Side peer;
    long bytes;
    boolean inputEnded;
    boolean flushPending;
    boolean flushScheduled;

    Side(String name, Channel channel, Counter counter) {
      this.name = name;
      this.channel = channel;
      this.counter = counter;
    }

    void count(int n) {
      bytes += n;
      counter.increment(n);
      lastActivityNanos = System.nanoTime();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
      if (!(message instanceof ByteBuf buffer) || finished) {
        ReferenceCountUtil.release(message);
        return;
      }
      count(buffer.readableBytes());
      Channel destination = peer.channel;
      destination.write(buffer, destination.voidPromise()); // releases it once written
      flushPending = true;
      if (!destination.isWritable()) {
        flushPending = false;
        destination.flush();
        if (!destination.isWritable()) {
          channel.config().setAutoRead(false); // resumed by the destination's writability change
        }
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (flushPending) {
        flushPending = false;
        peer.flushSoon();
      }
    }

    /**
     * Flushes this socket once the event loop has handled its current batch of events, so that an
     * end of stream read in the same batch closes it with the data still queued: the FIN then goes
     * out in the data's last segment (see {@link #closeAfterFlush}), one packet and one wakeup of
     * the peer less per connection.
     */
    void flushSoon() {
      if (!flushScheduled) {
        flushScheduled = true;
        channel.eventLoop().execute(this);
      }
    }

    /** The deferred flush. */
    @Override
    public void run() {
      flushScheduled = false;
      channel.flush();
    }

    /** This socket drained below the low water mark: its source may read again. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (channel.isWritable() && !finished && !peer.inputEnded) {
        peer.channel.config().setAutoRead(true);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event == ChannelInputShutdownEvent.INSTANCE) {
        inputEnded();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      close(name + "_closed");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.fine(() -> name + " " + channel + ": " + cause);
      close(name + "_error");
    }

    /** This side sent its FIN; everything it sent before has been handed to the peer. */
    void inputEnded() {
      if (inputEnded || finished) {
        return;
      }
      inputEnded = true;
      if (!halfClose) {
        close(name + "_closed");
        return;
      }
      peer.shutdownOutputAfterFlush();
      if (peer.inputEnded) {
        close(name + "_closed");
      }
    }

    /** Sends a FIN once every queued write is out (Netty fails writes still pending at shutdown). */
    void shutdownOutputAfterFlush() {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) written -> {
        if (channel instanceof DuplexChannel duplex && channel.isActive()) {
          duplex.shutdownOutput();
        }
      });
    }
  }

  /**
   * Closes {@code channel} once its queued writes are out (Netty discards them on close). A peer
   * that stopped reading would keep them, and the socket, forever: the close is forced after
   * {@link #FLUSH_GRACE}.
   */
  static void closeAfterFlush(Channel channel) {
    if (!channel.isOpen()) {
      return;
    }
    ChannelOutboundBuffer queued = channel.unsafe().outboundBuffer();
    if (queued == null || queued.totalPendingWriteBytes() == 0) {
      channel.close();
      return;
    }
    Sockets.cork(channel); // the close then sends the FIN in the last segment of the queued data
    ScheduledFuture<?> force = channel.eventLoop().schedule((Runnable) channel::close, FLUSH_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) written -> {
      force.cancel(false);
      channel.close();
    });
  }
}
