package dev.l4mux.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A TCP backend that never writes and digests what it receives ({@link StreamDigest}), optionally
 * reading slowly so that a sender must be throttled by backpressure. Meant for one upload per
 * sink: {@link #firstStream()} reports the first connection that ends, while {@link
 * #bytesReceived()} is a live total over all connections.
 */
public final class SinkBackend {
  private final NetServer server;
  private final Promise<StreamDigest.Digest> first;
  private final Queue<StreamDigest> streams;

  private SinkBackend(NetServer server, Promise<StreamDigest.Digest> first, Queue<StreamDigest> streams) {
    this.server = server;
    this.first = first;
    this.streams = streams;
  }

  /**
   * Starts a sink on 127.0.0.1, port 0.
   *
   * @param bytesPerTick read at most about this many bytes per 10 ms; 0 reads at full speed
   */
  public static Future<SinkBackend> start(Vertx vertx, int bytesPerTick) {
    Promise<StreamDigest.Digest> first = Promise.promise();
    Queue<StreamDigest> streams = new ConcurrentLinkedQueue<>();
    NetServer server = vertx.createNetServer();
    server.connectHandler(
        socket -> {
          StreamDigest digest = StreamDigest.attach(vertx, socket, bytesPerTick);
          streams.add(digest);
          digest.result().onSuccess(first::tryComplete).onFailure(first::tryFail);
        });
    return server.listen(0, "127.0.0.1").map(s -> new SinkBackend(s, first, streams));
  }

  public int port() {
    return server.actualPort();
  }

  /** Connections accepted so far. */
  public int acceptedConnections() {
    return streams.size();
  }

  /** Byte count and SHA-256 of the first connection that ended. */
  public Future<StreamDigest.Digest> firstStream() {
    return first.future();
  }

  /** Bytes received so far over all connections, including ones still open. */
  public long bytesReceived() {
    return streams.stream().mapToLong(StreamDigest::bytes).sum();
  }

  public Future<Void> close() {
    return server.close();
  }
}
