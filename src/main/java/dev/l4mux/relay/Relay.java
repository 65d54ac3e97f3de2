package dev.l4mux.relay;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Relays bytes both ways between a client and its backend on their shared event loop.
 *
 * <p>Zero-copy: each side runs on raw messages ({@link NetSocketInternal#messageHandler}); a buffer
 * read from one socket is handed to the other's {@code writeMessage}, which releases it once
 * written. No Vert.x read queue sits in between, so nothing read can be overtaken by a close or a
 * FIN, and pausing a side stops reading from its kernel socket.
 *
 * <p>Backpressure: when the destination's write queue is full the source is paused until the
 * destination drains, so a slow reader stalls the fast writer instead of growing memory.
 *
 * <p>End of stream: without half-close, the first side to close closes the other after its pending
 * writes are flushed. With half-close, a FIN (input shutdown, RFC 9293 3.6) is passed on as a FIN
 * once the writes before it are flushed, and the relay ends when both directions are done; a full
 * close (or reset) of either side still ends it at once. A socket that cannot flush (its peer
 * stopped reading) is forced shut after {@link #FLUSH_GRACE}, so nothing lingers.
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
   * @param clientSocket delivers its FIN in-band already ({@link HalfClosure#deliverEndOfInput}, at accept)
   * @param halfClose the route relays a FIN as a FIN
   */
  Relay(
      Vertx vertx, NetSocket clientSocket, NetSocket backendSocket,
      Counter upstreamBytes, Counter downstreamBytes, Duration idleTimeout, boolean halfClose, Consumer<String> onFinished) {
    this.vertx = vertx;
    HalfClosure.deliverEndOfInput(backendSocket);
    this.client = new Side("client", clientSocket, upstreamBytes);
    this.backend = new Side("backend", backendSocket, downstreamBytes);
    this.client.peer = backend;
    this.backend.peer = client;
    this.idleTimeout = idleTimeout;
    this.halfClose = halfClose;
    this.onFinished = onFinished;
  }

  /**
   * Writes the sniffed prefix to the backend, then relays both ways.
   *
   * @param clientEnded the client already sent its FIN (or closed) while we sniffed and connected
   */
  void start(Buffer replay, boolean clientEnded) {
    if (replay != null && replay.length() > 0) {
      client.count(replay.length());
      client.lastWrite = backend.socket.write(replay);
    }
    backend.socket.shutdownHandler(v -> {}); // the listener's drain decides when relayed connections end
    client.start();
    backend.start();
    armIdleTimer(idleTimeout);
    if (clientEnded) {
      client.inputEnded();
    }
  }

  long bytesUp() {
    return client.bytes;
  }

  long bytesDown() {
    return backend.bytes;
  }

  /** Closes both sides (each once what the other sent it is written) and ends the relay. */
  void close(String reason) {
    client.closeAfter(backend.lastWrite);
    backend.closeAfter(client.lastWrite);
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
    boolean inputEnded;
    /** The latest write of this side's bytes to the peer: it completes after every earlier one. */
    Future<Void> lastWrite = Future.succeededFuture();

    Side(String name, NetSocket socket, Counter counter) {
      this.name = name;
      this.socket = socket;
      this.counter = counter;
    }

    void start() {
      ((NetSocketInternal) socket).messageHandler(this::received);
      socket.closeHandler(v -> close(name + "_closed"));
      socket.exceptionHandler(e -> close(name + "_error"));
      socket.resume();
    }

    void count(int n) {
      bytes += n;
      counter.increment(n);
      lastActivityNanos = System.nanoTime();
    }

    void received(Object message) {
      if (message == HalfClosure.END_OF_INPUT) {
        inputEnded();
        return;
      }
      if (!(message instanceof ByteBuf buffer)) {
        ReferenceCountUtil.release(message);
        return;
      }
      count(buffer.readableBytes());
      lastWrite = ((NetSocketInternal) peer.socket).writeMessage(buffer); // takes ownership: released once written
      if (peer.socket.writeQueueFull()) {
        socket.pause();
        peer.socket.drainHandler(v -> socket.resume());
      }
    }

    /** This side sent its FIN (in-band: everything it sent before has been handed to the peer). */
    void inputEnded() {
      if (inputEnded) {
        return;
      }
      inputEnded = true;
      if (halfClose) {
        HalfClosure.shutdownOutputAfter(peer.socket, lastWrite);
        if (peer.inputEnded) {
          close(name + "_closed");
        }
      } else {
        close(name + "_closed");
      }
    }

    /**
     * Closes this socket once {@code lastWrite} (the latest write to it) completed: a close does
     * not wait for writes still queued in Vert.x. A peer that stopped reading would keep that
     * write (and the socket) forever, so it is forced shut after {@link #FLUSH_GRACE}.
     */
    void closeAfter(Future<Void> lastWrite) {
      if (lastWrite.isComplete()) {
        socket.close();
        return;
      }
      Channel channel = ((NetSocketInternal) socket).channelHandlerContext().channel();
      long force = vertx.setTimer(FLUSH_GRACE.toMillis(), t -> channel.close());
      lastWrite.onComplete(done -> {
        vertx.cancelTimer(force);
        socket.close();
      });
    }
  }
}
