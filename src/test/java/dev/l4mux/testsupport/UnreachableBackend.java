package dev.l4mux.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback port where TCP connects hang instead of being refused, so a proxy's connect timeout
 * fires (a closed port would answer RST at once).
 *
 * <p>How: a {@link ServerSocket} with backlog 1 that never accepts; its accept queue is filled by
 * plain client sockets until one connect attempt times out (200 ms). On Linux the queue is full
 * when it holds backlog + 1 = 2 established connections ({@code sk_acceptq_is_full} tests {@code
 * >}); from then on the kernel silently drops SYNs for the port (with {@code
 * tcp_abort_on_overflow = 0}, the default), and the client keeps retransmitting the SYN until its
 * own timeout. SYN cookies do not help the client because they only apply to a full SYN queue,
 * not a full accept queue. Nothing outside this process is changed.
 *
 * <pre>{@code
 * try (UnreachableBackend dead = UnreachableBackend.start()) {
 *   route "x" -> 127.0.0.1:dead.port() with connectTimeout 300 ms ...
 * }
 * }</pre>
 */
public final class UnreachableBackend implements AutoCloseable {
  private static final int FILL_TIMEOUT_MS = 200;
  private static final int MAX_FILL = 64;

  private final ServerSocket server;
  private final List<Socket> fillers;

  private UnreachableBackend(ServerSocket server, List<Socket> fillers) {
    this.server = server;
    this.fillers = fillers;
  }

  /**
   * Binds 127.0.0.1 port 0 and fills the accept queue.
   *
   * @throws IllegalStateException if {@value #MAX_FILL} connects all succeed (kernel without
   *     accept-queue overflow drops)
   */
  public static UnreachableBackend start() {
    List<Socket> fillers = new ArrayList<>();
    ServerSocket server = null;
    try {
      server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
      while (fillers.size() < MAX_FILL) {
        Socket socket = new Socket();
        try {
          socket.connect(address, FILL_TIMEOUT_MS);
          fillers.add(socket);
        } catch (SocketTimeoutException full) {
          socket.close();
          return new UnreachableBackend(server, fillers);
        }
      }
      throw new IllegalStateException("accept queue never filled after " + MAX_FILL + " connections");
    } catch (IOException | RuntimeException e) {
      closeAll(server, fillers);
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /** How many connections it took to fill the accept queue (2 on Linux with backlog 1). */
  public int queuedConnections() {
    return fillers.size();
  }

  @Override
  public void close() {
    closeAll(server, fillers);
  }

  private static void closeAll(ServerSocket server, List<Socket> fillers) {
    for (Socket s : fillers) {
      quietly(s);
    }
    quietly(server);
  }

  private static void quietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception ignored) {
      // Closing a test fixture; nothing useful to report.
    }
  }
}
