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
 * <p>Except for a node whose configuration at start has a UDP listener: {@code auto} then takes
 * epoll first. Netty 4.2.12's io_uring datagram channel gives every socket two fixed arrays of 256
 * msghdr buffers (about 170 KiB of heap, measured, and native memory), and l4mux opens a socket per
 * flow, so many flows exhaust the heap (bench udp1000: 3,000 live flows filled 512 MiB, 0 datagrams/s
 * against nginx's 18,000; epoll 17,000); one flow on epoll also relays more datagrams per second
 * (docs/design.md, "Transport").
 */
public final class NetworkTransport {

  public static final String ENV = "L4MUX_TRANSPORT";
  public static final String PROPERTY = "l4mux.transport";

  private NetworkTransport() {}

  /** A builder for a node's Vert.x with the chosen transport; no UDP listener known at start. */
  public static VertxBuilder vertxBuilder(VertxOptions options) {
    return vertxBuilder(options, false);
  }

  /**
   * A builder for a node's Vert.x with the chosen transport.
   *
   * @param carriesUdp whether the configuration the node starts with has a UDP listener
   */
  public static VertxBuilder vertxBuilder(VertxOptions options, boolean carriesUdp) {
    String requested = requested();
    Transport chosen = choose(requested, carriesUdp);
    if (requested.equals("auto") && carriesUdp && chosen == Transport.EPOLL && Transport.IO_URING != null
        && Transport.IO_URING.available()) {
      dev.l4mux.observe.NodeLog.info("UDP listeners configured: using epoll, not io_uring (Netty's io_uring datagram"
          + " channel costs about 170 KiB of heap per UDP flow, native memory besides; L4MUX_TRANSPORT=io_uring insists)");
    }
    if (requested.equals("auto") && !carriesUdp && chosen != Transport.IO_URING && Transport.IO_URING != null
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
    return choose(requested, false);
  }

  /**
   * The transport for a request, for a node whose starting configuration has a UDP listener or
   * not ({@code auto} then prefers epoll, see the class comment).
   *
   * @throws IllegalArgumentException for an unknown name, or a named transport this machine lacks
   */
  static Transport choose(String requested, boolean carriesUdp) {
    return switch (requested) {
      case "auto" -> carriesUdp ? firstAvailable(Transport.EPOLL, Transport.IO_URING) : firstAvailable(Transport.IO_URING, Transport.EPOLL);
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

  /** Whether a configuration has a UDP listener ({@code auto} then prefers epoll). */
  public static boolean carriesUdp(dev.l4mux.config.L4muxConfig config) {
    return config.listeners().stream().anyMatch(l -> l.transport() == dev.l4mux.config.ListenerConfig.Transport.UDP);
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
