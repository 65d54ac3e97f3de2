package dev.l4mux.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.vertx.core.Future;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * Turns a peer's FIN (RFC 9293 3.6) into an in-band {@link #END_OF_INPUT} message, delivered through
 * the socket's message handler after every byte read before it.
 *
 * <p>Why in-band: Vert.x keeps the messages read while a socket is paused in its own queue, and
 * Netty keeps reading until end of stream once it has seen the FIN (EPOLLRDHUP), paused or not. A
 * FIN reported beside that queue (as an event, or by closing the channel) overtakes the bytes still
 * in it: whoever acts on it (a FIN or a close sent to the other side) loses them. So every relayed
 * socket keeps its channel open on a FIN (ALLOW_HALF_CLOSURE), and this handler, placed before
 * Vert.x's, feeds the FIN into the same queue as the bytes (see docs/design.md, "End of stream").
 */
@Sharable
final class HalfClosure extends ChannelInboundHandlerAdapter {

  /** Delivered by {@link NetSocketInternal#messageHandler} after the last byte the peer sent. */
  static final Object END_OF_INPUT = new Object() {
    @Override
    public String toString() {
      return "END_OF_INPUT";
    }
  };

  private static final String NAME = "l4mux-end-of-input";
  private static final HalfClosure INSTANCE = new HalfClosure();

  private HalfClosure() {}

  /** From now on, {@code socket}'s peer's FIN arrives as {@link #END_OF_INPUT} instead of a close. */
  static void deliverEndOfInput(NetSocket socket) {
    if (!(socket instanceof NetSocketInternal internal)) {
      throw new IllegalArgumentException("not a Vert.x socket: " + socket);
    }
    ChannelHandlerContext vertxHandler = internal.channelHandlerContext();
    Channel channel = vertxHandler.channel();
    channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    if (channel.pipeline().get(NAME) == null) {
      channel.pipeline().addBefore(vertxHandler.name(), NAME, INSTANCE);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof ChannelInputShutdownEvent) {
      // Behind the bytes already read (queued in Vert.x if the socket is paused); the read-complete
      // lets Vert.x deliver it now if nothing is queued.
      ctx.fireChannelRead(END_OF_INPUT);
      ctx.fireChannelReadComplete();
    }
    super.userEventTriggered(ctx, event);
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
