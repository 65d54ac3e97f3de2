package dev.l4mux.relay;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
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
 * <p>Close: without half-close, the first side to close (or fail) closes the other after its
 * pending writes are flushed; with half-close, a FIN from one side is passed on as a FIN
 * (shutdown of the output) to the other, and the relay ends when both directions are done. A
 * closing socket that cannot flush (its peer stopped reading) is forced shut after
 * {@link #FLUSH_GRACE}, so nothing lingers.
 */
final class Relay {

  static final Duration FLUSH_GRACE = Duration.ofSeconds(10);

  private final Vertx vertx;
  private final NetSocket client;
  private final NetSocket backend;
  private final Counter upstreamBytes;
  private final Counter downstreamBytes;
  private final Duration idleTimeout;
  private final boolean halfClose;
  private final Consumer<String> onFinished;

  private long bytesUp;
  private long bytesDown;
  private long lastActivityNanos = System.nanoTime();
  private long idleTimer = -1;
  private boolean clientInputDone;
  private boolean backendInputDone;
  private boolean finished;

  Relay(
      Vertx vertx, NetSocket client, NetSocket backend, Counter upstreamBytes, Counter downstreamBytes,
      Duration idleTimeout, boolean halfClose, Consumer<String> onFinished) {
    this.vertx = vertx;
    this.client = client;
    this.backend = backend;
    this.upstreamBytes = upstreamBytes;
    this.downstreamBytes = downstreamBytes;
    this.idleTimeout = idleTimeout;
    this.halfClose = halfClose;
    this.onFinished = onFinished;
  }

  /** Writes the sniffed prefix to the backend, then relays both ways. */
  void start(Buffer replay) {
    if (replay != null && replay.length() > 0) {
      countUp(replay.length());
      backend.write(replay);
    }
    client.handler(buffer -> {
      countUp(buffer.length());
      pipe(buffer, client, backend);
    });
    backend.handler(buffer -> {
      countDown(buffer.length());
      pipe(buffer, backend, client);
    });
    client.exceptionHandler(e -> close("client_error"));
    backend.exceptionHandler(e -> close("backend_error"));
    client.closeHandler(v -> onClosed(client, backend, "client_closed"));
    backend.closeHandler(v -> onClosed(backend, client, "backend_closed"));
    backend.shutdownHandler(v -> {}); // the listener's drain decides when relayed connections end
    if (halfClose) {
      enableHalfClosure(client, true);
      enableHalfClosure(backend, false);
    }
    armIdleTimer(idleTimeout);
    client.resume();
  }

  long bytesUp() {
    return bytesUp;
  }

  long bytesDown() {
    return bytesDown;
  }

  private void countUp(int n) {
    bytesUp += n;
    upstreamBytes.increment(n);
    lastActivityNanos = System.nanoTime();
  }

  private void countDown(int n) {
    bytesDown += n;
    downstreamBytes.increment(n);
    lastActivityNanos = System.nanoTime();
  }

  private static void pipe(Buffer buffer, NetSocket from, NetSocket to) {
    to.write(buffer);
    if (to.writeQueueFull()) {
      from.pause();
      to.drainHandler(v -> from.resume());
    }
  }

  /**
   * Netty closes a socket when its peer shuts down output unless ALLOW_HALF_CLOSURE is set; with it
   * set, an input-shutdown event arrives instead, and we forward it as a FIN (RFC 9293 3.6).
   */
  private void enableHalfClosure(NetSocket socket, boolean isClient) {
    if (!(socket instanceof NetSocketInternal internal)) {
      return;
    }
    Channel channel = internal.channelHandlerContext().channel();
    channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    internal.eventHandler(event -> {
      if (event instanceof ChannelInputShutdownEvent) {
        onInputShutdown(isClient);
      }
    });
  }

  private void onInputShutdown(boolean fromClient) {
    NetSocket to = fromClient ? backend : client;
    if (fromClient) {
      clientInputDone = true;
    } else {
      backendInputDone = true;
    }
    if (clientInputDone && backendInputDone) {
      close(fromClient ? "client_closed" : "backend_closed");
      return;
    }
    // Shut the output only once everything already written has been flushed: Netty fails
    // pending writes on shutdownOutput.
    if (to instanceof NetSocketInternal internal) {
      internal.writeMessage(io.netty.buffer.Unpooled.EMPTY_BUFFER).onComplete(ignored -> {
        if (internal.channelHandlerContext().channel() instanceof DuplexChannel duplex && duplex.isActive()) {
          duplex.shutdownOutput();
        }
      });
    }
  }

  private void onClosed(NetSocket closed, NetSocket other, String reason) {
    closeGracefully(other);
    finish(reason);
  }

  /** Closes both sides (flushing what each still has to write) and ends the relay. */
  void close(String reason) {
    closeGracefully(client);
    closeGracefully(backend);
    finish(reason);
  }

  private void closeGracefully(NetSocket socket) {
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
}
