package dev.l4mux.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * A deterministic pseudo-random byte stream identified by {@code (seed, length)}: the same pair
 * always yields the same bytes, so a sender and a checker agree on the SHA-256 without keeping
 * the data. Bytes are produced in {@link #CHUNK}-sized pieces (the stream depends on that size).
 */
public final class PseudoRandomBytes {
  /** Piece size; also the largest buffer handed to {@code write}. */
  public static final int CHUNK = 64 * 1024;

  private final SplittableRandom random;
  private long remaining;

  public PseudoRandomBytes(long seed, long length) {
    this.random = new SplittableRandom(seed);
    this.remaining = length;
  }

  /** The next piece, at most {@link #CHUNK} bytes; empty once exhausted. */
  public byte[] next() {
    byte[] piece = new byte[(int) Math.min(CHUNK, remaining)];
    random.nextBytes(piece);
    remaining -= piece.length;
    return piece;
  }

  public boolean hasNext() {
    return remaining > 0;
  }

  /** Lower-case hex SHA-256 of the whole stream. */
  public static String sha256Hex(long seed, long length) {
    MessageDigest sha = sha256();
    PseudoRandomBytes bytes = new PseudoRandomBytes(seed, length);
    while (bytes.hasNext()) {
      sha.update(bytes.next());
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * Writes the stream to {@code out} honouring backpressure ({@code writeQueueFull} /
   * {@code drainHandler}); does not end {@code out}. Call on {@code out}'s context.
   *
   * @return completes after the last write was accepted by {@code out}
   */
  public static Future<Void> writeTo(WriteStream<Buffer> out, long seed, long length) {
    Promise<Void> done = Promise.promise();
    pump(out, new PseudoRandomBytes(seed, length), done);
    return done.future();
  }

  private static void pump(WriteStream<Buffer> out, PseudoRandomBytes bytes, Promise<Void> done) {
    Future<Void> last = Future.succeededFuture();
    while (bytes.hasNext() && !out.writeQueueFull()) {
      last = out.write(Buffer.buffer(bytes.next()));
    }
    if (bytes.hasNext()) {
      out.drainHandler(v -> pump(out, bytes, done));
    } else {
      last.onComplete(done);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
