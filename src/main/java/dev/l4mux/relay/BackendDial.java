package dev.l4mux.relay;

import dev.l4mux.config.RouteConfig;
import dev.l4mux.config.TlsConfig;
import dev.l4mux.observe.L4muxMetrics;
import dev.l4mux.observe.TlsFacts;
import dev.l4mux.route.Backend;
import dev.l4mux.tls.TlsReencryption;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.logging.Logger;

/**
 * The connect phase of a connection: tries the route decision's candidates in turn (at most 1 +
 * {@code retries}, never one twice), each on a new backend socket of the client's event loop with
 * the relay's handler already in place; on a re-encrypting route the TLS handshake with the backend
 * (and the PROXY header written before it) is part of the attempt, so a backend failing it is
 * passed over like one refusing the connect. Reports to its connection on that event loop.
 */
final class BackendDial {

  private static final Logger LOG = Logger.getLogger(BackendDial.class.getName());

  /** The connection a dial works for. */
  interface Owner {
    /** The client left: no further attempt, and a socket that connects late is closed. */
    boolean closed();

    /** The route's PROXY header for this connection, or null when it sends none. */
    ByteBuf proxyHeader();

    /** A backend took the connection: the relay is ready to start. */
    void connected(Channel upstream, Backend backend, Relay relay, long connectNanos);

    /** Every candidate failed, or no socket could be opened. */
    void noBackend();

    /** The relay ended (the relay's own close callback). */
    void relayEnded(String reason);
  }

  private final long id;
  private final Channel client;
  private final ListenerRuntime runtime;
  private final String listenerName;
  private final RouteConfig route;
  private final TlsFacts clientSession;
  private final String clientSni;
  private final List<Backend> candidates;
  private final Owner owner;

  BackendDial(long id, Channel client, ListenerRuntime runtime, String listenerName, RouteConfig route, TlsFacts clientSession,
      String clientSni, List<Backend> candidates, Owner owner) {
    this.id = id;
    this.client = client;
    this.runtime = runtime;
    this.listenerName = listenerName;
    this.route = route;
    this.clientSession = clientSession;
    this.clientSni = clientSni;
    this.candidates = candidates;
    this.owner = owner;
  }

  void start() {
    attemptSoon(0);
  }

  /**
   * Connects in a task of this event loop, after the batch of I/O events it runs in. On epoll this
   * is required: Netty maps epoll events to channels by descriptor number, so a socket opened inside
   * a batch can take the number of one closed earlier in it and receive that socket's stale events
   * (EPOLLRDHUP: a close mid-connect; found by the HTTP {@code Connection: close} benchmark). On
   * io_uring it is not needed, but measured faster all the same (docs/performance.md).
   */
  private void attemptSoon(int attempt) {
    client.eventLoop().execute(() -> {
      if (!owner.closed()) {
        attempt(attempt);
      }
    });
  }

  private void attempt(int attempt) {
    if (attempt >= candidates.size()) {
      owner.noBackend();
      return;
    }
    Backend candidate = candidates.get(attempt);
    long started = System.nanoTime();
    Channel upstream;
    try {
      upstream = runtime.sockets().newBackendChannel((int) Math.min(Integer.MAX_VALUE, route.timeouts().connect().toMillis()));
    } catch (ChannelException noSocket) { // EMFILE: no backend would do better, and none is at fault
      LOG.fine(() -> "connection " + id + ": no socket for a backend: " + noSocket.getMessage());
      owner.noBackend();
      return;
    }
    runtime.track(upstream);
    L4muxMetrics metrics = runtime.state().metrics();
    Relay relay = new Relay(client, upstream, metrics.bytes(route.name(), "upstream"), metrics.bytes(route.name(), "downstream"),
        route.keepAlive().effectiveIdle(route.timeouts().idle()), route.halfClose(), owner::relayEnded);
    upstream.pipeline().addLast(ProxiedConnection.HANDLER_NAME, relay.backendHandler());
    Future<Channel> upstreamTls = route.tls().mode() != TlsConfig.Mode.REENCRYPT ? null : reencrypt(upstream, candidate, metrics);
    runtime.connector().connect(client.eventLoop(), upstream, candidate).addListener(connected -> {
      if (!connected.isSuccess()) {
        candidate.connectFailed();
        LOG.fine(() -> "connection " + id + ": backend " + candidate.address() + " failed: " + connected.cause());
        if (!owner.closed()) {
          attemptSoon(attempt + 1);
        }
      } else if (owner.closed()) {
        upstream.close(); // the client left while we were connecting
      } else if (upstreamTls == null) {
        owner.connected(upstream, candidate, relay, System.nanoTime() - started);
      } else {
        upstreamTls.addListener(handshake -> { // reencrypt: the backend's handshake, then the relay
          if (owner.closed()) {
            upstream.close();
          } else if (handshake.isSuccess()) {
            owner.connected(upstream, candidate, relay, System.nanoTime() - started);
          } else {
            candidate.connectFailed();
            LOG.fine(() -> "connection " + id + ": TLS with backend " + candidate.address() + " failed: " + handshake.cause());
            upstream.close();
            attemptSoon(attempt + 1);
          }
        });
      }
    });
  }

  /** The client-side TLS handler towards the backend, and the PROXY header to go out before it. */
  private Future<Channel> reencrypt(Channel upstream, Backend candidate, L4muxMetrics metrics) {
    Future<Channel> handshake = TlsReencryption.attach(upstream, ProxiedConnection.HANDLER_NAME, runtime.state().certificates(), route.name(),
        clientSession, clientSni, candidate.address(), route.timeouts().connect(), metrics, listenerName);
    ByteBuf header = owner.proxyHeader();
    if (header != null) {
      ProxyHeaderSender.writeBeforeTls(upstream, header);
    }
    return handshake;
  }
}
