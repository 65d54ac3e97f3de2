package dev.l4mux.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** Loopback port helpers. */
public final class Ports {
  private Ports() {}

  /**
   * A TCP port on 127.0.0.1 that was free a moment ago. Another process may take it before the
   * caller binds, so callers that start external servers should retry on a bind failure; Vert.x
   * servers should bind port 0 instead.
   */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether a TCP connect to 127.0.0.1:{@code port} succeeds within 200 ms. */
  public static boolean isListening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Polls until 127.0.0.1:{@code port} accepts a connection.
   *
   * @throws IllegalStateException if it does not within {@code timeout}
   */
  public static void awaitListening(int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!isListening(port)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("nothing listens on 127.0.0.1:" + port + " after " + timeout);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }
}
