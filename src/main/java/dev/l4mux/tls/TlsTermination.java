package dev.l4mux.tls;

import dev.l4mux.config.RouteConfig;
import dev.l4mux.config.TlsConfig;
import dev.l4mux.observe.L4muxMetrics;
import dev.l4mux.observe.TlsFacts;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * The TLS phase of a terminating connection: puts an {@link SslHandler} in front of the
 * connection's handler and feeds it the ClientHello bytes the sniffers already read (so nothing is
 * lost or read twice: the route was decided on those bytes, before any handshake). Once the
 * handshake is done, plaintext reaches the connection's handler like bytes of any other socket, and
 * the relay's writes to the client are encrypted on their way out.
 *
 * <p>Closing: the SSL handler closes its engine before it encrypts what is still pending, which
 * would lose the last bytes the relay wrote; a small outbound handler flushes them first.
 */
public final class TlsTermination {

  private static final Logger LOG = Logger.getLogger(TlsTermination.class.getName());

  static final String SSL_HANDLER = "l4mux-tls";
  private static final String HANDSHAKE_HANDLER = "l4mux-tls-handshake";
  private static final String LINGER_HANDLER = "l4mux-tls-linger";
  private static final String FLUSH_HANDLER = "l4mux-tls-flush";

  /** Handshake results in {@code l4mux_tls_handshakes_total}. */
  public static final String SUCCESS = "success";
  public static final String FAILED = "failed";
  public static final String CLIENT_CERT_REFUSED = "client_cert_refused";
  /** The rejection (and close) reason of a failed handshake with the client. */
  public static final String HANDSHAKE_REFUSAL = "tls_handshake";

  private TlsTermination() {}

  /**
   * Starts the handshake with the client, on the client's event loop.
   *
   * @param before the name of the connection's handler, which the TLS handlers go before
   * @param route the route's name and settings, for metrics and the session's facts
   * @param hello the sniffed bytes (ownership passes here)
   * @param done told the session's facts once the handshake succeeded
   * @param failed told the rejection reason ({@link #HANDSHAKE_REFUSAL}) once it failed; the SSL handler
   *     has then sent its alert and closes the socket
   */
  public static void start(
      Channel client, String before, RouteConfig route, CertificateStore.Selection selection, ByteBuf hello, Duration timeout,
      L4muxMetrics metrics, String listener, Consumer<TlsFacts> done, Consumer<String> failed) {
    SslHandler ssl = selection.context().newHandler(client.alloc());
    ssl.setHandshakeTimeoutMillis(Math.max(1, timeout.toMillis()));
    ChannelPipeline pipeline = client.pipeline();
    LingerAfterRefusal linger = new LingerAfterRefusal();
    pipeline.addBefore(before, LINGER_HANDLER, linger); // towards the socket: sees the SSL handler's close
    pipeline.addBefore(before, SSL_HANDLER, ssl);
    pipeline.addBefore(before, HANDSHAKE_HANDLER, new Handshake(ssl, route, metrics, listener, done, failed, linger));
    pipeline.addBefore(before, FLUSH_HANDLER, new FlushBeforeClose());
    // The SSL handler (behind the linger handler, which passes reads on) is the pipeline's first: a
    // read fired at the head reaches it first.
    pipeline.fireChannelRead(hello);
    pipeline.fireChannelReadComplete();
  }

  /** Waits for the handshake's outcome, then leaves the pipeline. */
  private static final class Handshake extends ChannelInboundHandlerAdapter {
    private final SslHandler ssl;
    private final RouteConfig route;
    private final L4muxMetrics metrics;
    private final String listener;
    private final Consumer<TlsFacts> done;
    private final Consumer<String> failed;
    private final LingerAfterRefusal linger;
    private final long startedNanos = System.nanoTime();
    private boolean decided;

    Handshake(SslHandler ssl, RouteConfig route, L4muxMetrics metrics, String listener, Consumer<TlsFacts> done, Consumer<String> failed,
        LingerAfterRefusal linger) {
      this.ssl = ssl;
      this.linger = linger;
      this.route = route;
      this.metrics = metrics;
      this.listener = listener;
      this.done = done;
      this.failed = failed;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof SslHandshakeCompletionEvent completion) {
        decided = true;
        ctx.pipeline().remove(this);
        long nanos = System.nanoTime() - startedNanos;
        if (completion.isSuccess()) {
          ctx.pipeline().remove(linger); // only a refusal lingers
          metrics.tlsHandshake(listener, route.name(), SUCCESS, nanos);
          done.accept(facts(ssl, route.tls().mode().name().toLowerCase(Locale.ROOT), route.tls().clientAuth() != TlsConfig.ClientAuth.NONE));
        } else {
          linger.refused();
          boolean clientCertificate = route.tls().clientAuth() != TlsConfig.ClientAuth.NONE && refusedClientCertificate(completion.cause());
          String result = clientCertificate ? CLIENT_CERT_REFUSED : FAILED;
          metrics.tlsHandshake(listener, route.name(), result, nanos);
          LOG.fine(() -> ctx.channel() + ": TLS handshake failed: " + completion.cause());
          failed.accept(result.equals(FAILED) ? HANDSHAKE_REFUSAL : "tls_client_cert");
        }
        return;
      }
      if (event == ChannelInputShutdownEvent.INSTANCE && !decided) {
        ctx.close(); // the client gave up mid-handshake: the handshake fails with the closed channel
      }
      ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A failed handshake is reported by its completion event, which follows.
      LOG.fine(() -> ctx.channel() + ": during the TLS handshake: " + cause);
    }
  }

  /** Flushes what the relay wrote before the SSL handler closes its engine and sends close_notify. */
  private static final class FlushBeforeClose extends ChannelOutboundHandlerAdapter {
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
      ctx.flush();
      ctx.close(promise);
    }
  }

  /**
   * The session's facts; the client's certificate is asked for only when the route asks clients
   * for one (without, the engine answers by throwing, a stack trace per handshake for nothing).
   */
  static TlsFacts facts(SslHandler ssl, String mode, boolean clientCertificateAsked) {
    SSLSession session = ssl.engine().getSession();
    String subject = null;
    String commonName = null;
    if (clientCertificateAsked) {
      try {
        Certificate[] peer = session.getPeerCertificates();
        if (peer.length > 0 && peer[0] instanceof X509Certificate certificate) {
          subject = certificate.getSubjectX500Principal().getName();
          commonName = commonName(certificate);
        }
      } catch (SSLPeerUnverifiedException none) {
        // clientAuth request, and the client sent none
      }
    }
    String alpn = ssl.applicationProtocol();
    return new TlsFacts(mode, session.getProtocol(), session.getCipherSuite(), alpn, subject, commonName);
  }

  /** The subject's first CN attribute (what a PROXY v2 {@code PP2_SUBTYPE_SSL_CN} carries), or null. */
  static String commonName(X509Certificate certificate) {
    RDN[] names = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN);
    return names.length == 0 ? null : IETFUtils.valueToString(names[0].getFirst().getValue());
  }

  /**
   * True when the handshake failed over the client's certificate (missing with {@code require}, or
   * not from {@code clientCa}), as the engines word it.
   */
  static boolean refusedClientCertificate(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (message.contains("peer_did_not_return_a_certificate") || message.contains("certificate_required")
          || message.contains("empty client certificate") || message.contains("empty server certificate chain")
          || message.contains("certificate_verify_failed") || message.contains("pkix path")
          || message.contains("unable to find valid certification path") || message.contains("certificate_unknown")) {
        return true;
      }
    }
    return false;
  }
}
