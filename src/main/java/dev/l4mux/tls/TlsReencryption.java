package dev.l4mux.tls;

import dev.l4mux.observe.L4muxMetrics;
import dev.l4mux.observe.TlsFacts;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import dev.l4mux.config.HostPort;
import java.time.Duration;

/**
 * The TLS phase towards the backend of a re-encrypting route: an {@link SslHandler} in client mode
 * goes before the relay's handler of the backend socket, before it connects; its handshake starts
 * when the connection does. The backend is offered the ALPN protocol negotiated with the client
 * (or none), and sent the configured {@code upstream.sni}, else the client's.
 */
public final class TlsReencryption {

  private static final String SSL_HANDLER = "l4mux-upstream-tls";

  /** {@code l4mux_tls_handshakes_total} result of a failed handshake with a backend. */
  public static final String BACKEND_FAILED = "backend_failed";

  private TlsReencryption() {}

  /**
   * Adds the client-side SSL handler to a backend socket not yet connected.
   *
   * @param before the relay handler's name
   * @param clientSession the session negotiated with the client (its ALPN is passed on)
   * @param clientSni the client's SNI, or null
   * @return completes when the handshake with the backend is done (failed: the cause, e.g. an
   *     untrusted chain or a wrong name)
   */
  public static Future<Channel> attach(
      Channel upstream, String before, CertificateStore store, String route, TlsFacts clientSession, String clientSni,
      HostPort backend, Duration timeout, L4muxMetrics metrics, String listener) {
    UpstreamContexts contexts = store.snapshot().upstream(route);
    if (contexts == null) {
      return upstream.eventLoop().newFailedFuture(new IllegalStateException("route " + route + " has no upstream TLS settings loaded"));
    }
    String sni = contexts.settings().sni() != null ? contexts.settings().sni() : clientSni;
    String peerHost = sni != null ? sni : backend.host();
    SslHandler ssl = contexts.context(clientSession.alpn()).newHandler(upstream.alloc(), peerHost, backend.port());
    ssl.setHandshakeTimeoutMillis(Math.max(1, timeout.toMillis()));
    upstream.pipeline().addBefore(before, SSL_HANDLER, ssl);
    long started = System.nanoTime();
    Future<Channel> handshake = ssl.handshakeFuture();
    handshake.addListener(done -> {
      if (!done.isSuccess()) {
        metrics.tlsHandshake(listener, route, BACKEND_FAILED, System.nanoTime() - started);
      }
    });
    return handshake;
  }
}
