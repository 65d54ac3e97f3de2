package dev.l4mux.udp;

import dev.l4mux.access.ClientPolicies;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.limits.Admission;
import dev.l4mux.limits.Limiters;
import java.net.InetAddress;

/**
 * The access lists and limits of one UDP flow, as a connection has them (CONTRACT section 3): the
 * listener's when the flow starts (before its datagrams are sniffed), the route's once the route
 * is decided. {@code maxConnections} counts open flows, {@code maxConnectionsPerIp} open flows per
 * client address, the rates new flows. Every check runs on the real client (after a trusted PROXY
 * header). The slots it holds are released once, when the flow ends. Confined to the flow's loop.
 */
final class FlowAdmission {

  /** Drop and rejection reason of an access list refusal (the others are {@link Admission#LIMIT}, {@link Admission#RATE}). */
  static final String DENIED = "denied";

  private final Admission admission;

  private FlowAdmission(Admission admission) {
    this.admission = admission;
  }

  /** A flow's admission to its listener, or the refusal reason as {@link Refused}. */
  sealed interface Outcome permits FlowAdmission.Admitted, FlowAdmission.Refused {}

  record Admitted(FlowAdmission admission) implements Outcome {}

  record Refused(String reason) implements Outcome {}

  /**
   * The listener's access list, the node's flow bound, then the listener's limits (a full table
   * takes no rate token); a refusal holds nothing.
   *
   * @param tableFull {@code defaults.limits.maxUdpFlows} flows are open
   * @param startNanos when the flow started ({@link System#nanoTime}; the flow's own start time)
   */
  static Outcome toListener(ClientPolicies policies, Limiters limiters, String listener, InetAddress client, boolean tableFull,
      long startNanos) {
    if (!policies.listenerAccess().allows(client)) {
      return new Refused(DENIED);
    }
    if (tableFull) {
      return new Refused(UdpMetrics.FLOW_LIMIT);
    }
    Admission admission = limiters.admitFlow(listener, client, startNanos);
    if (admission.refusal() != null) {
      return new Refused(admission.refusal());
    }
    return new Admitted(new FlowAdmission(admission));
  }

  /**
   * The route's access list, then its limits.
   *
   * @param nowNanos when the route was decided ({@link System#nanoTime}, read once by the flow)
   * @return null when admitted, else the refusal reason
   */
  String toRoute(ClientPolicies policies, RouteConfig route, InetAddress client, long nowNanos) {
    if (!policies.routeAccess(route).allows(client)) {
      return DENIED;
    }
    return admission.admitRoute(route.name(), client, nowNanos);
  }

  /** Gives back every slot (listener and route); later calls do nothing. */
  void release() {
    admission.release();
  }
}
