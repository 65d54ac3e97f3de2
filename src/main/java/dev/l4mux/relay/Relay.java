package dev.l4mux.relay;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Relays bytes both ways between a client and its backend on their shared event loop.
 *
 * <p>Backpressure: when the destination's write queue is full the source is paused until the
 * destination drains, so a slow reader stalls the fast writer instead of growing memory.
 *
 * <p>End of stream: a side's end is acted on only once every byte it sent has been handed to the
 * other side (Vert.x reports a close before paused data is delivered; the end comes after it).
 * Without half-close, the first side to end closes both, each after flushing what it still has to
 * write; with half-close, the end is passed on as a FIN (shutdown of the other side's output, RFC
 * 9293 3.6) and the relay finishes when both directions are done. A socket that cannot flush (its
 * peer stopped reading) is forced shut after {@link #FLUSH_GRACE}, so nothing lingers.
 */
final class Relay {

  static final Duration FLUSH_GRACE = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final Side client;
  private final Side backend;
  private final Duration idleTimeout;
  private final boolean halfClose;
  private final Consumer<String> onFinished;

  private long lastActivityNanos = System.nanoTime();
  private long idleTimer = -1;
  private boolean finished;

  /**
   * @param clientFin the client's half-closure hook when its listener enabled it at accept, or null
   * @param halfClose the route relays a FIN as a FIN
   */
  Relay(
      Vertx vertx, Context context, NetSocket clientSocket, HalfClosure clientFin, NetSocket backendSocket,
      Counter upstreamBytes, Counter downstreamBytes, Duration idleTimeout, boolean halfClose, Consumer<String> onFinished) {
    this.vertx = vertx;
    this.client = new Side("client", clientSocket, upstreamBytes, clientFin);
    this.backend = new Side("backend", backendSocket, downstreamBytes, halfClose ? HalfClosure.enable(backendSocket, context) : null);
    this.client.peer = backend;
    this.backend.peer = client;
    this.idleTimeout = idleTimeout;
    this.halfClose = halfClose;
    this.onFinished = onFinished;
  }

  /**
   * Writes the sniffed prefix to the backend, then relays both ways.
   *
   * @param clientEnded the client's end was already seen while sniffing
   */
  void start(Buffer replay, boolean clientEnded) {
    if (replay != null && replay.length() > 0) {
      client.received(replay);
    }
    backend.socket.shutdownHandler(v -> {}); // the listener's drain decides when relayed connections end
    client.start();
    backend.start();
    armIdleTimer(idleTimeout);
    if (clientEnded) {
      client.ended();
    }
  }

  long bytesUp() {
    return client.bytes;
  }

  long bytesDown() {
    return backend.bytes;
  }

  /** Closes both sides (flushing what each still has to write) and ends the relay. */
  void close(String reason) {
    client.closeGracefully();
    backend.closeGracefully();
    finish(reason);
  }

  private void finish(String reason) {
    if (finished) {
      return;
    }
    finished = true;
    if (idleTimer >= 0) {
      vertx.cancelTimer(idleTimer);
      idleTimer = -1;
    }
    onFinished.accept(reason);
  }

  /** Lazily re-armed: one timer per idle period, not one reset per buffer. */
  private void armIdleTimer(Duration delay) {
    if (idleTimeout == null || finished) {
      return;
    }
    idleTimer = vertx.setTimer(Math.max(1, delay.toMillis()), t -> {
      idleTimer = -1;
      long idleFor = System.nanoTime() - lastActivityNanos;
      long limit = idleTimeout.toNanos();
      if (idleFor >= limit) {
        close("idle_timeout");
      } else {
        armIdleTimer(Duration.ofNanos(limit - idleFor));
      }
    });
  }

  /** One socket of the relay and the direction of bytes it reads. */
  private final class Side {
    final String name;
    final NetSocket socket;
    final Counter counter;
    Side peer;
    long bytes;
    boolean paused;
    boolean ended;
    boolean closed;
    boolean finPending;

    final HalfClosure fin;

    Side(String name, NetSocket socket, Counter counter, HalfClosure fin) {
      this.name = name;
      this.socket = socket;
      this.counter = counter;
      this.fin = fin;
    }

    void start() {
      socket.handler(this::received);
      socket.endHandler(v -> ended());
      socket.closeHandler(v -> closed());
      socket.exceptionHandler(e -> close(name + "_error"));
      if (fin != null) {
        // Data read before the FIN may still be queued behind backpressure: pass it on first.
        fin.onInputShutdown(() -> {
          if (paused) {
            finPending = true;
          } else {
            ended();
          }
        });
      }
      socket.resume();
    }

    void received(Buffer buffer) {
      int n = buffer.length();
      bytes += n;
      counter.increment(n);
      lastActivityNanos = System.nanoTime();
      peer.socket.write(buffer);
      if (peer.socket.writeQueueFull()) {
        paused = true;
        socket.pause();
        peer.socket.drainHandler(v -> {
          paused = false;
          socket.resume();
          if (finPending && !paused) {
            finPending = false;
            ended();
          }
        });
      }
    }

    /** Every byte this side sent has been handed to the peer. */
    void ended() {
      if (ended) {
        return;
      }
      ended = true;
      if (halfClose && !peer.closed) {
        HalfClosure.shutdownOutputAfterFlush(peer.socket);
        if (peer.ended) {
          close(name + "_closed");
        }
      } else {
        close(name + "_closed");
      }
    }

    void closed() {
      closed = true;
      if (peer.closed) {
        finish(name + "_closed");
      } else if (!ended) {
        // Closed with data still queued behind backpressure: the end follows once it is relayed.
        // Should the peer never drain, give up after the grace period.
        vertx.setTimer(FLUSH_GRACE.toMillis(), t -> {
          if (!ended) {
            close(name + "_closed");
          }
        });
      }
    }

    void closeGracefully() {
      socket.close();
      if (socket instanceof NetSocketInternal internal) {
        Channel channel = internal.channelHandlerContext().channel();
        ChannelOutboundBuffer pending = channel.unsafe().outboundBuffer();
        if (channel.isActive() && pending != null && pending.totalPendingWriteBytes() > 0) {
          // A peer that stopped reading would keep the flush (and the socket) forever.
          vertx.setTimer(FLUSH_GRACE.toMillis(), t -> {
            if (channel.isOpen()) {
              channel.close();
            }
          });
        }
      }
    }
  }
}
