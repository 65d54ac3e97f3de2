package dev.l4mux.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * Half-close support (RFC 9293 3.6) for one socket. Netty closes a socket when its peer shuts down
 * output unless ALLOW_HALF_CLOSURE is set; with it set, an input-shutdown event arrives instead. A
 * small handler placed before Vert.x's own catches that event (leaving Vert.x's event handling,
 * including its graceful-shutdown events, untouched) and reports it on the socket's context, after
 * every byte read before the FIN has been delivered.
 */
final class HalfClosure {

  static final int HALF_CLOSE_READS_PER_LOOP = 64;

  private final Context context;
  private Runnable onInputShutdown = () -> {};
  private boolean inputShutdown;

  private HalfClosure(Context context) {
    this.context = context;
  }

  /** Keeps {@code socket} open when its peer sends a FIN; returns null if the socket has no channel. */
  static HalfClosure enable(NetSocket socket, Context context) {
    if (!(socket instanceof NetSocketInternal internal)) {
      return null;
    }
    HalfClosure halfClosure = new HalfClosure(context);
    ChannelHandlerContext vertxHandler = internal.channelHandlerContext();
    Channel channel = vertxHandler.channel();
    channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    // With half-closure Netty shuts the input once a read loop that saw the peer's FIN ends, and
    // bytes still unread may then be lost; longer read loops (64 reads, a few MB, instead of 16)
    // make that rare. Unbounded loops would let one fast sender starve its event loop.
    channel.config().setRecvByteBufAllocator(new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(HALF_CLOSE_READS_PER_LOOP));
    channel.pipeline().addBefore(vertxHandler.name(), "l4mux-half-closure", new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof ChannelInputShutdownEvent) {
          context.runOnContext(v -> halfClosure.inputShutdown());
        }
        super.userEventTriggered(ctx, event);
      }
    });
    return halfClosure;
  }

  /** Who to tell about the FIN from now on (reported at once if it already came). */
  void onInputShutdown(Runnable handler) {
    onInputShutdown = handler;
    if (inputShutdown) {
      context.runOnContext(v -> handler.run());
    }
  }

  private void inputShutdown() {
    if (!inputShutdown) {
      inputShutdown = true;
      onInputShutdown.run();
    }
  }

  /**
   * Sends a FIN on {@code socket} once {@code lastWrite} (the latest write to it, which completes
   * after every earlier one) is done: Netty fails writes still pending at shutdownOutput.
   */
  static void shutdownOutputAfter(NetSocket socket, Future<Void> lastWrite) {
    if (socket instanceof NetSocketInternal internal) {
      lastWrite.onComplete(ignored -> {
        if (internal.channelHandlerContext().channel() instanceof DuplexChannel duplex && duplex.isActive()) {
          duplex.shutdownOutput();
        }
      });
    }
  }
}
