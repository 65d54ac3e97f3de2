package dev.l4mux;

import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.transport.Transport;
import java.util.Locale;

/**
 * Picks the Netty transport of a node's event loops, which the data plane's sockets use too.
 *
 * <p>{@code L4MUX_TRANSPORT} (or {@code -Dl4mux.transport}): {@code auto} (the default) takes
 * io_uring when the kernel allows it, else epoll, else Java NIO; {@code io_uring}, {@code epoll}
 * and {@code nio} insist, and a start fails with the reason when the one named is unavailable.
 * Why io_uring first: it needs fewer system calls per connection than epoll (no
 * {@code epoll_ctl} per interest change); measured on the benchmark, a {@code Connection: close}
 * request costs l4mux about a fifth less CPU (docs/performance.md). Docker's default seccomp profile and
 * {@code kernel.io_uring_disabled} forbid it, hence the fallback.
 *
 * <p>UDP sockets never take io_uring, whatever is chosen here: on an io_uring node they run on
 * epoll event loops of their own ({@code udp.UdpSockets}, docs/design.md "Transport").
 */
public final class NetworkTransport {

  public static final String ENV = "L4MUX_TRANSPORT";
  public static final String PROPERTY = "l4mux.transport";

  private NetworkTransport() {}

  /** A builder for a node's Vert.x with the chosen transport. */
  public static VertxBuilder vertxBuilder(VertxOptions options) {
    String requested = requested();
    Transport chosen = choose(requested);
    if (requested.equals("auto") && chosen != Transport.IO_URING && Transport.IO_URING != null
        && FALLBACK_LOGGED.compareAndSet(false, true)) {
      // Expected in a container under Docker's default seccomp profile (io_uring_setup denied) or
      // with kernel.io_uring_disabled: said once, then the node runs on the fallback.
      Throwable cause = Transport.IO_URING.unavailabilityCause();
      dev.l4mux.observe.NodeLog.info("io_uring unavailable (" + (cause == null ? "no reason given" : cause.getMessage())
          + "); using " + (chosen == Transport.EPOLL ? "epoll" : "nio"));
    }
    return Vertx.builder().with(options).withTransport(chosen);
  }

  private static final java.util.concurrent.atomic.AtomicBoolean FALLBACK_LOGGED = new java.util.concurrent.atomic.AtomicBoolean();

  /** What the operator asked for: the system property, else the environment, else {@code auto}. */
  static String requested() {
    String value = System.getProperty(PROPERTY);
    if (value == null || value.isBlank()) {
      value = System.getenv(ENV);
    }
    return value == null || value.isBlank() ? "auto" : value.trim().toLowerCase(Locale.ROOT);
  }

  /**
   * The transport for a request.
   *
   * @throws IllegalArgumentException for an unknown name, or a named transport this machine lacks
   */
  static Transport choose(String requested) {
    return switch (requested) {
      case "auto" -> firstAvailable(Transport.IO_URING, Transport.EPOLL);
      case "io_uring", "io-uring", "iouring" -> insist("io_uring", Transport.IO_URING);
      case "epoll" -> insist("epoll", Transport.EPOLL);
      case "nio" -> Transport.NIO;
      default -> throw new IllegalArgumentException(
          ENV + ": unknown transport '" + requested + "' (expected auto, io_uring, epoll or nio)");
    };
  }

  private static Transport firstAvailable(Transport... preferred) {
    for (Transport transport : preferred) {
      if (transport != null && transport.available()) {
        return transport;
      }
    }
    return Transport.NIO;
  }

  private static Transport insist(String name, Transport transport) {
    if (transport == null) {
      throw new IllegalArgumentException(ENV + "=" + name + ": Netty's " + name + " transport is not in this build");
    }
    if (!transport.available()) {
      Throwable cause = transport.unavailabilityCause();
      throw new IllegalArgumentException(ENV + "=" + name + ": not available on this machine"
          + (cause == null ? "" : " (" + cause.getMessage() + ")"));
    }
    return transport;
  }

  /** The name of a node's transport, for its start-up line. */
  public static String describe(Vertx vertx) {
    String name = ((io.vertx.core.internal.VertxInternal) vertx).transport().getClass().getSimpleName();
    return switch (name) {
      case "IoUringTransport" -> "io_uring";
      case "EpollTransport" -> "epoll";
      case "NioTransport" -> "nio";
      default -> name;
    };
  }
}
