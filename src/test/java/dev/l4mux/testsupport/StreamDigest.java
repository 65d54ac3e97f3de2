package dev.l4mux.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Consumes a {@link ReadStream} to its end, counting bytes and computing SHA-256, optionally as
 * a deliberately slow reader: after every {@code bytesPerTick} bytes the stream is paused for 10
 * ms, so the producer (or a proxy in between) must apply backpressure instead of buffering.
 * Works for a server-side socket (see {@link SinkBackend}) as well as for a client socket.
 *
 * <pre>{@code
 * StreamDigest d = StreamDigest.attach(vertx, socket, 256 * 1024); // ~25 MB/s
 * d.result().onSuccess(r -> assertEquals(expectedSha, r.sha256Hex()));
 * }</pre>
 */
public final class StreamDigest {
  /** Pause length of the slow reader. */
  public static final long TICK_MS = 10;

  /** What a stream delivered before it ended. */
  public record Digest(long bytes, String sha256Hex) {}

  private final Vertx vertx;
  private final ReadStream<Buffer> stream;
  private final int bytesPerTick;
  private final MessageDigest sha = PseudoRandomBytes.sha256();
  private final Promise<Digest> result = Promise.promise();
  private volatile long bytes;
  private long owed;

  private StreamDigest(Vertx vertx, ReadStream<Buffer> stream, int bytesPerTick) {
    this.vertx = vertx;
    this.stream = stream;
    this.bytesPerTick = bytesPerTick;
  }

  /**
   * Takes over {@code stream}'s handler, end handler and exception handler. Call on the stream's
   * context (e.g. inside a connect handler).
   *
   * @param bytesPerTick read at most about this many bytes per 10 ms; 0 reads as fast as possible
   */
  public static StreamDigest attach(Vertx vertx, ReadStream<Buffer> stream, int bytesPerTick) {
    StreamDigest d = new StreamDigest(vertx, stream, bytesPerTick);
    stream.exceptionHandler(d.result::tryFail);
    stream.endHandler(v -> d.result.tryComplete(new Digest(d.bytes, HexFormat.of().formatHex(d.sha.digest()))));
    stream.handler(d::received);
    return d;
  }

  /** Bytes received so far (readable from any thread). */
  public long bytes() {
    return bytes;
  }

  /** Completes when the stream ends, fails on a stream exception. */
  public Future<Digest> result() {
    return result.future();
  }

  private void received(Buffer buffer) {
    sha.update(buffer.getBytes());
    bytes += buffer.length();
    if (bytesPerTick <= 0) {
      return;
    }
    owed += buffer.length();
    if (owed >= bytesPerTick) {
      // A socket delivers up to ~64 KB at once, so pay for whole ticks to keep the average rate.
      long ticks = owed / bytesPerTick;
      owed %= bytesPerTick;
      stream.pause();
      vertx.setTimer(ticks * TICK_MS, id -> stream.resume());
    }
  }
}
