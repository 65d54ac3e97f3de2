package dev.l4mux.acme;

import dev.l4mux.sniff.Sniffed;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * The phase of a connection that is an ACME server's validation, answered before routing: a
 * ClientHello offering {@code acme-tls/1} for a name with a pending TLS-ALPN-01 challenge gets the
 * challenge certificate (RFC 8737 3; the handshake is all the server needs, then the connection
 * closes), and {@code GET /.well-known/acme-challenge/<token>} for a pending HTTP-01 token gets
 * the key authorization (RFC 8555 8.3). Anything else goes on to routing untouched.
 */
public final class ChallengeResponder {

  private static final Logger LOG = Logger.getLogger(ChallengeResponder.class.getName());

  /** The close reason of an answered validation. */
  public static final String ANSWERED = "acme_challenge";

  private ChallengeResponder() {}

  /** What {@link #answer} did. */
  public enum Outcome {
    /** not a validation: route it */
    NOT_A_VALIDATION,
    /** answered; the connection is the responder's until {@code done} */
    ANSWERED,
    /**
     * a validation of a challenge this node does not know (yet): the shared challenge map may hold
     * it ({@link AcmeManager#lookUp}); {@link #key} names it
     */
    UNKNOWN
  }

  /**
   * Answers the connection if it is a validation of a pending challenge.
   *
   * @param before the connection's handler, which the TLS handler goes before
   * @param prefix the sniffed bytes; ownership passes here only when it was answered
   * @param done told once the answer is sent (the caller then closes and accounts), always after
   *     this method returned {@link Outcome#ANSWERED}: a write can complete within the call (epoll
   *     writes at once), and the caller lets go of the prefix only once this method returned
   */
  public static Outcome answer(Channel client, String before, Sniffed facts, ByteBuf prefix, AcmeChallenges challenges,
      Duration handshakeTimeout, Runnable done) {
    String key = key(facts, prefix);
    if (key == null) {
      return Outcome.NOT_A_VALIDATION;
    }
    Runnable afterReturn = () -> client.eventLoop().execute(done);
    if ("tls".equals(facts.protocol())) {
      SslContext context = challenges.tlsAlpn(facts.sni());
      if (context == null) {
        return Outcome.UNKNOWN;
      }
      SslHandler ssl = context.newHandler(client.alloc());
      ssl.setHandshakeTimeoutMillis(Math.max(1, handshakeTimeout.toMillis()));
      client.pipeline().addBefore(before, "l4mux-acme-tls", ssl);
      client.pipeline().addBefore(before, "l4mux-acme-done", new ChannelInboundHandlerAdapter() {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
          if (event instanceof SslHandshakeCompletionEvent completion) {
            LOG.fine(() -> "TLS-ALPN-01 validation of " + facts.sni() + " from " + client.remoteAddress() + ": "
                + (completion.isSuccess() ? "handshake done" : completion.cause()));
            afterReturn.run();
            return;
          }
          ctx.fireUserEventTriggered(event);
        }
      });
      client.pipeline().fireChannelRead(prefix);
      client.pipeline().fireChannelReadComplete();
      return Outcome.ANSWERED;
    }
    String token = key.substring(AcmeChallenges.HTTP.length() + 1);
    String keyAuthorization = challenges.http(token);
    if (keyAuthorization == null) {
      return Outcome.UNKNOWN;
    }
    prefix.release();
    byte[] body = keyAuthorization.getBytes(StandardCharsets.US_ASCII);
    String head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.length
        + "\r\nConnection: close\r\n\r\n";
    LOG.fine(() -> "HTTP-01 validation of token " + token + " from " + client.remoteAddress());
    client.writeAndFlush(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body))
        .addListener((ChannelFutureListener) f -> afterReturn.run());
    return Outcome.ANSWERED;
  }

  /**
   * The challenge a validation asks for, as the shared challenge map keys it ({@code
   * tls-alpn-01:<name>}, {@code http-01:<token>}), or null when the connection is no validation: a
   * ClientHello offering {@code acme-tls/1} with a server name, or a {@code GET} of an
   * {@code /.well-known/acme-challenge/} token.
   */
  public static String key(Sniffed facts, ByteBuf prefix) {
    if (prefix == null) {
      return null;
    }
    if ("tls".equals(facts.protocol()) && facts.sni() != null && facts.alpn().contains(AcmeChallenges.ACME_TLS_1)) {
      return AcmeChallenges.TLS_ALPN + ":" + facts.sni().toLowerCase(java.util.Locale.ROOT);
    }
    if ("http".equals(facts.protocol())
        && AcmeHttpChallengeParser.parse(BufferInternal.buffer(prefix)) instanceof AcmeHttpChallengeParser.Result.Token token) {
      return AcmeChallenges.HTTP + ":" + token.token();
    }
    return null;
  }
}
