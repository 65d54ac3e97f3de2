package dev.l4mux.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * The client socket's one handler for the connection's whole life: once its {@link Relay} runs,
 * every socket event goes to the relay's client side; before that, to the connection's phases. The
 * handler stays in place (rather than being replaced by the relay's) so that a read is seen by
 * {@link #watch} whichever side handles it.
 */
abstract class ClientSocketHandler extends ChannelInboundHandlerAdapter {

  /** The relay once it runs, else null. */
  abstract Relay relay();

  /** Sees every read, before the relay or the phases get it; consumes nothing. */
  abstract void watch(ByteBuf read);

  /** A read before the relay runs (ownership passes). */
  abstract void readBeforeRelay(Object message);

  /** The client shut its output down (FIN) before the relay runs. */
  abstract void clientEndedBeforeRelay();

  /** The socket closed, or failed, before the relay runs. */
  abstract void closedBeforeRelay(String reason, Throwable cause);

  @Override
  public final void channelRead(ChannelHandlerContext ctx, Object message) throws Exception {
    if (message instanceof ByteBuf bytes) {
      watch(bytes);
    }
    Relay relay = relay();
    if (relay != null) {
      relay.clientHandler().channelRead(ctx, message);
    } else {
      readBeforeRelay(message);
    }
  }

  @Override
  public final void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    Relay relay = relay();
    if (relay != null) {
      relay.clientHandler().channelReadComplete(ctx);
    }
  }

  @Override
  public final void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    Relay relay = relay();
    if (relay != null) {
      relay.clientHandler().channelWritabilityChanged(ctx);
    }
  }

  @Override
  public final void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    Relay relay = relay();
    if (relay != null) {
      relay.clientHandler().userEventTriggered(ctx, event);
    } else if (event == ChannelInputShutdownEvent.INSTANCE) {
      clientEndedBeforeRelay();
    }
  }

  @Override
  public final void channelInactive(ChannelHandlerContext ctx) throws Exception {
    Relay relay = relay();
    if (relay != null) {
      relay.clientHandler().channelInactive(ctx);
    } else {
      closedBeforeRelay("client_closed", null);
    }
  }

  @Override
  public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    Relay relay = relay();
    if (relay != null) {
      relay.clientHandler().exceptionCaught(ctx, cause);
    } else {
      closedBeforeRelay("client_error", cause);
    }
  }
}
