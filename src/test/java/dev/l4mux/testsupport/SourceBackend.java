package dev.l4mux.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP backend that, on every connection, sends {@code length} bytes of {@link
 * PseudoRandomBytes} (with backpressure) and then closes; it ignores what it receives. A test
 * reads through the proxy with a (slow) {@link StreamDigest} and compares against {@link
 * #sha256Hex()}.
 */
public final class SourceBackend {
  private final NetServer server;
  private final long seed;
  private final long length;
  private final AtomicInteger accepted;
  private String sha256Hex;

  private SourceBackend(NetServer server, long seed, long length, AtomicInteger accepted) {
    this.server = server;
    this.seed = seed;
    this.length = length;
    this.accepted = accepted;
  }

  /** Starts a source on 127.0.0.1, port 0, that sends as soon as a client connects (server first). */
  public static Future<SourceBackend> start(Vertx vertx, long length, long seed) {
    return start(vertx, length, seed, false);
  }

  /**
   * Starts a source on 127.0.0.1, port 0.
   *
   * @param onRequest send only once the client sent a byte: a Vert.x client loses whatever arrives
   *     before its handler is set, and its connect callback can run after the first read
   */
  public static Future<SourceBackend> start(Vertx vertx, long length, long seed, boolean onRequest) {
    AtomicInteger accepted = new AtomicInteger();
    NetServer server = vertx.createNetServer();
    server.connectHandler(
        socket -> {
          accepted.incrementAndGet();
          if (!onRequest) {
            socket.handler(ignored -> {});
            PseudoRandomBytes.writeTo(socket, seed, length).onComplete(done -> socket.end());
            return;
          }
          boolean[] started = new boolean[1];
          socket.handler(request -> {
            if (!started[0]) {
              started[0] = true;
              PseudoRandomBytes.writeTo(socket, seed, length).onComplete(done -> socket.end());
            }
          });
        });
    return server.listen(0, "127.0.0.1").map(s -> new SourceBackend(s, seed, length, accepted));
  }

  public int port() {
    return server.actualPort();
  }

  public long length() {
    return length;
  }

  public int acceptedConnections() {
    return accepted.get();
  }

  /** SHA-256 (lower-case hex) of what every connection receives; computed on first use. */
  public synchronized String sha256Hex() {
    if (sha256Hex == null) {
      sha256Hex = PseudoRandomBytes.sha256Hex(seed, length);
    }
    return sha256Hex;
  }

  public Future<Void> close() {
    return server.close();
  }
}
