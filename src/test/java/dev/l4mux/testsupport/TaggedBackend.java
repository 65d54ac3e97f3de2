package dev.l4mux.testsupport;

import io.vertx.core.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A running backend started by {@link TaggedBackends}: its tag (what it puts in every reply so a
 * test can tell where bytes went), its bound port on 127.0.0.1, and how many connections it has
 * accepted (TCP connections; for TLS, completed handshakes).
 */
public final class TaggedBackend {
  private final String tag;
  private final int port;
  private final AtomicInteger accepted;
  private final Supplier<Future<Void>> closer;

  TaggedBackend(String tag, int port, AtomicInteger accepted, Supplier<Future<Void>> closer) {
    this.tag = tag;
    this.port = port;
    this.accepted = accepted;
    this.closer = closer;
  }

  public String tag() {
    return tag;
  }

  public int port() {
    return port;
  }

  /** Connections accepted so far; a proxy test asserts this stayed 0 for backends it must skip. */
  public int acceptedConnections() {
    return accepted.get();
  }

  /** Stops listening and closes open connections. */
  public Future<Void> close() {
    return closer.get();
  }

  @Override
  public String toString() {
    return "TaggedBackend[" + tag + " @ 127.0.0.1:" + port + "]";
  }
}
