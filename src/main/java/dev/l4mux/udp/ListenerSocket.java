package dev.l4mux.udp;

import dev.l4mux.access.ClientPolicies;
import dev.l4mux.observe.L4muxMetrics;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * One listening datagram socket of a UDP listener (one per event loop and address): finds the
 * flow of each datagram by its client's address and port, else by QUIC connection ID or WireGuard
 * session index (a client that moved), else starts a flow, within the node's bound. Its flow table is used only on its loop.
 */
final class ListenerSocket extends ChannelInboundHandlerAdapter {

  private static final Logger LOG = Logger.getLogger(ListenerSocket.class.getName());

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
      Flow moved = listener.moved(datagram);
      if (moved != null) {
        if (moved.loop() == ctx.channel().eventLoop()) {
          moved.fromClient(datagram, client);
        } else {
          moved.loop().execute(() -> moved.fromClient(datagram, client)); // RFC 9000 9, WireGuard 2.1: roaming
        }
        return;
      }
      flow = open(client, datagram);
      if (flow == null) {
        return;
      }
      flows.put(client, flow);
    }
    flow.fromClient(datagram, client);
  }

  /**
   * A new flow for a datagram from an unknown address, after the listener's access list, the
   * node's flow bound and the listener's limits (in that order: a full table takes no rate token);
   * null when refused, the datagram dropped and counted. No state is kept for a refused client, so
   * a flood of refused datagrams fills no table: each of its datagrams is a new attempt.
   */
  private Flow open(InetSocketAddress peer, ByteBuf datagram) {
    FlowIdentity identity = identify(peer, datagram);
    if (identity == null) {
      return null;
    }
    int max = listener.state().routeTable().config().defaults().maxUdpFlows();
    long startNanos = System.nanoTime(); // the flow's start, read once: its limits and its age use it
    FlowAdmission.Outcome outcome = FlowAdmission.toListener(listener.policies(), listener.state().limiters(), listener.name(),
        identity.client().getAddress(), listener.flows().size() >= max, startNanos);
    if (outcome instanceof FlowAdmission.Refused refused) {
      listener.refused(refused.reason(), 1);
      datagram.release();
      return null;
    }
    FlowAdmission admission = ((FlowAdmission.Admitted) outcome).admission();
    Flow flow = new Flow(listener, this, peer, identity, admission, startNanos);
    if (!listener.flows().admit(flow, max)) { // another loop took the last slot meanwhile
      admission.release();
      listener.refused(UdpMetrics.FLOW_LIMIT, 1);
      datagram.release();
      return null;
    }
    return flow;
  }

  /**
   * Who a new flow is for: a trusted peer's first datagram may carry a PROXY v2 DGRAM header (read
   * and stripped here, before access, limits and sniffing); an untrusted peer's header is not read
   * (it stays payload, counted as {@code untrusted}). Null when the header is refused (dropped and
   * counted as {@code bad_proxy_header}).
   */
  private FlowIdentity identify(InetSocketAddress peer, ByteBuf datagram) {
    ClientPolicies policies = listener.policies();
    L4muxMetrics metrics = listener.state().metrics();
    if (!policies.trusts(peer)) {
      boolean forged = datagram.isReadable()
          && ProxyHeaderParser.startsWithSignature(BufferInternal.buffer(datagram.slice()));
      if (forged) {
        metrics.proxyHeader(listener.name(), "untrusted");
      }
      return new FlowIdentity(peer, null, false, forged);
    }
    int maxBytes = listener.state().routeTable().config().defaults().maxSniffBytes();
    DatagramProxyHeaders.Outcome outcome = DatagramProxyHeaders.first(datagram, policies.proxyProtocol().required(), maxBytes);
    if (outcome instanceof DatagramProxyHeaders.Refused refused) {
      LOG.fine(() -> "listener " + listener.name() + ": datagram from " + peer + ": " + refused.detail());
      metrics.proxyHeader(listener.name(), "invalid");
      listener.refused(UdpMetrics.BAD_PROXY_HEADER, 1);
      datagram.release();
      return null;
    }
    ProxyHeader header = ((DatagramProxyHeaders.Read) outcome).header();
    metrics.proxyHeader(listener.name(), header == null ? "missing" : header.realClient() == null ? "local" : "accepted");
    return new FlowIdentity(peer, header, true, false);
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
