package dev.l4mux.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * One listening datagram socket of a UDP listener (one per event loop and address): finds the
 * flow of each datagram by its client's address and port, else by QUIC connection ID (a client
 * that moved), else starts a flow, within the node's bound. Its flow table is used only on its loop.
 */
final class ListenerSocket extends ChannelInboundHandlerAdapter {

  private final UdpListener listener;
  private final Map<InetSocketAddress, Flow> flows = new HashMap<>();
  private DatagramChannel channel;

  ListenerSocket(UdpListener listener) {
    this.listener = listener;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = (DatagramChannel) ctx.channel();
  }

  DatagramChannel channel() {
    return channel;
  }

  EventLoop loop() {
    return channel.eventLoop();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    DatagramPacket packet = (DatagramPacket) message;
    ByteBuf datagram = packet.content(); // ownership passes to the flow (or is released here)
    InetSocketAddress client = packet.sender();
    Flow flow = flows.get(client);
    if (flow != null && flow.startsAnotherConnection(datagram)) {
      flow.end("new_connection");
      flow = null;
    }
    if (flow == null) {
      Flow moved = listener.byConnectionId(datagram);
      if (moved != null) {
        if (moved.loop() == ctx.channel().eventLoop()) {
          moved.fromClient(datagram, client);
        } else {
          moved.loop().execute(() -> moved.fromClient(datagram, client)); // RFC 9000 9: migration
        }
        return;
      }
      flow = new Flow(listener, this, client);
      if (!listener.flows().admit(flow, listener.state().routeTable().config().defaults().maxUdpFlows())) {
        listener.dropped(UdpMetrics.FLOW_LIMIT, 1);
        datagram.release();
        return;
      }
      flows.put(client, flow);
    }
    flow.fromClient(datagram, client);
  }

  /** The flow's client moved to {@code now}: replies and the table follow the latest address. */
  void moved(Flow flow, InetSocketAddress before, InetSocketAddress now) {
    flows.remove(before, flow);
    flows.put(now, flow);
  }

  void ended(Flow flow, InetSocketAddress client) {
    flows.remove(client, flow);
  }

  /** Ends every flow of this socket (the listener stops). */
  void endAll(String reason) {
    for (Flow flow : java.util.List.copyOf(flows.values())) {
      flow.end(reason);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // An ICMP error for an earlier reply, or a read error: per datagram, never fatal for the socket.
  }
}
