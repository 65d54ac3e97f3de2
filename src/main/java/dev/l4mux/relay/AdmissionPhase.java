package dev.l4mux.relay;

import dev.l4mux.access.ClientPolicies;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.limits.Admission;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The access lists and limits a connection passes before it is relayed, none of which needs a byte
 * of it (CONTRACT section 3, {@code access} and {@code limits}): the listener's access list and the
 * node's and the listener's limits once the real client is known (at accept, or once a trusted
 * peer's PROXY header named it), then the route's once the route is decided. It holds what the
 * limiters admitted until the connection ends, and the place of a connection refused at the
 * listener that waits for its first bytes to be answered in its own protocol ({@link
 * ListenerRefusals}). Confined to the connection's event loop.
 */
final class AdmissionPhase {

  private final ListenerRuntime listenerRuntime;
  private final ListenerConfig listener;
  private final ClientPolicies policies;
  private final long acceptedNanos;
  private long admittedNanos; // when the listener's limits admitted it (System.nanoTime)
  private Admission admission; // null until the listener's limits were asked
  private boolean awaitingAnswer;

  AdmissionPhase(ListenerRuntime listenerRuntime, ListenerConfig listener, ClientPolicies policies, long acceptedNanos) {
    this.listenerRuntime = listenerRuntime;
    this.listener = listener;
    this.policies = policies;
    this.acceptedNanos = acceptedNanos;
  }

  /**
   * The listener's access list, then the node's and the listener's limits, on the real client.
   *
   * @return null when admitted, else why not ({@code denied}, {@link Admission#LIMIT}, {@link Admission#RATE})
   */
  String atListener(ClientIdentity identity) {
    InetSocketAddress source = identity.client();
    if (source != null && !policies.listenerAccess().allows(source.getAddress())) {
      return "denied";
    }
    // When the client arrived, for the rates: its accept, or (a trusted peer: its PROXY header may
    // come up to timeouts.proxyHeader later) the moment the header was read, else a slow header
    // would count as an arrival long past and use up the bucket's burst.
    admittedNanos = policies.trusts(identity.peer()) ? System.nanoTime() : acceptedNanos;
    admission = listenerRuntime.state().limiters().admitListener(listener.name(), source == null ? null : source.getAddress(), admittedNanos);
    return admission.refusal();
  }

  /**
   * The route's access list, then its limits; only after {@link #atListener} admitted the client.
   *
   * @param sniffNanos how long after its accept the connection was sniffed, or -1 when it was not
   * @return null when admitted, else why not
   */
  String atRoute(RouteConfig route, InetAddress client, long sniffNanos) {
    if (!policies.routeAccess(route).allows(client)) {
      return "denied";
    }
    // When the route was decided: the clock was read when sniffing ended (unsniffed: at admission).
    long decidedNanos = sniffNanos < 0 ? admittedNanos : acceptedNanos + sniffNanos;
    return admission.admitRoute(route.name(), client, decidedNanos);
  }

  /**
   * A connection refused by {@link #atListener} waits for its first bytes, to be answered in its
   * own protocol, unless too many of the listener's already do.
   *
   * @return true when it waits (for at most {@link #answerWait}), false when it is to close at once
   */
  boolean awaitAnswer() {
    awaitingAnswer = listenerRuntime.refusals().tryAwaitAnswer();
    return awaitingAnswer;
  }

  /** True once {@link #awaitAnswer} let it wait: its sniffed bytes only tell how to answer the refusal. */
  boolean awaitingAnswer() {
    return awaitingAnswer;
  }

  Duration answerWait() {
    return listenerRuntime.refusals().answerWait(listener);
  }

  /** The connection ended: its place among those awaiting an answer and what the limiters admitted are given back. */
  void release() {
    if (awaitingAnswer) {
      listenerRuntime.refusals().answered();
    }
    if (admission != null) {
      admission.release();
    }
  }
}
