package dev.l4mux.tls;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Sits in front of the SSL handler (towards the socket) so that a refused client reads its alert.
 * When a handshake fails the SSL handler writes its alert and closes the socket; closing with the
 * client's next flight still unread makes the kernel answer with a reset (RFC 9293 section 3.6.1,
 * RFC 2525 2.17), and a reset discards whatever the client had not read yet, the alert included:
 * the client saw "connection reset" instead of {@code unknown_ca}. So after a refusal the output is
 * shut down behind the alert (a FIN follows it), the client's bytes are read and dropped until it
 * closes, and the socket closes then, or after {@link #LINGER_MS} at most.
 */
final class LingerAfterRefusal extends ChannelDuplexHandler {

  static final long LINGER_MS = 1_000;

  private boolean refused;
  private boolean lingering;

  /** The handshake failed: the next close lingers. */
  void refused() {
    refused = true;
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (lingering) { // the SSL handler's close and the connection's: one real close serves both
      ctx.channel().closeFuture().addListener(closed -> promise.trySuccess());
      return;
    }
    if (!refused || !(ctx.channel() instanceof DuplexChannel duplex) || !ctx.channel().isActive()) {
      ctx.close(promise);
      return;
    }
    lingering = true;
    var force = ctx.executor().schedule(() -> ctx.close(promise), LINGER_MS, TimeUnit.MILLISECONDS);
    ctx.channel().closeFuture().addListener(closed -> {
      force.cancel(false);
      promise.trySuccess();
    });
    // The FIN only once the alert is written: Netty's io_uring transport must not shut the output
    // down with a write in flight (docs/design.md, transports).
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> duplex.shutdownOutput().addListener(shut -> {
      ctx.channel().config().setAutoRead(true);
      ctx.read();
    }));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    if (lingering) {
      ReferenceCountUtil.release(message);
      return;
    }
    ctx.fireChannelRead(message);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (lingering && event == ChannelInputShutdownEvent.INSTANCE) {
      ctx.close(); // the client has read its alert and closed: close now (past this handler)
      return;
    }
    ctx.fireUserEventTriggered(event);
  }
}
