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

  /**
   * Answers the connection if it is a validation of a pending challenge.
   *
   * @param before the connection's handler, which the TLS handler goes before
   * @param prefix the sniffed bytes; ownership passes here only when this returns true
   * @param done told once the answer is sent (the caller then closes and accounts)
   * @return true when the connection was taken
   */
  public static boolean answer(Channel client, String before, Sniffed facts, ByteBuf prefix, AcmeChallenges challenges,
      Duration handshakeTimeout, Runnable done) {
    if (challenges.isEmpty() || prefix == null) {
      return false;
    }
    if ("tls".equals(facts.protocol()) && facts.alpn().contains(AcmeChallenges.ACME_TLS_1)) {
      SslContext context = challenges.tlsAlpn(facts.sni());
      if (context == null) {
        return false;
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
            done.run();
            return;
          }
          ctx.fireUserEventTriggered(event);
        }
      });
      client.pipeline().fireChannelRead(prefix);
      client.pipeline().fireChannelReadComplete();
      return true;
    }
    if ("http".equals(facts.protocol())
        && AcmeHttpChallengeParser.parse(BufferInternal.buffer(prefix)) instanceof AcmeHttpChallengeParser.Result.Token token) {
      String keyAuthorization = challenges.http(token.token());
      if (keyAuthorization == null) {
        return false;
      }
      prefix.release();
      byte[] body = keyAuthorization.getBytes(StandardCharsets.US_ASCII);
      String head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.length
          + "\r\nConnection: close\r\n\r\n";
      LOG.fine(() -> "HTTP-01 validation of token " + token.token() + " from " + client.remoteAddress());
      client.writeAndFlush(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body))
          .addListener((ChannelFutureListener) f -> done.run());
      return true;
    }
    return false;
  }
}
