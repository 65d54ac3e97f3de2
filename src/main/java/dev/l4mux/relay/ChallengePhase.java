package dev.l4mux.relay;

import dev.l4mux.acme.ChallengeResponder;
import dev.l4mux.config.ListenerConfig;
import dev.l4mux.sniff.Sniffed;
import io.netty.channel.Channel;

/**
 * The step between sniffing and routing: a connection that is an ACME server's validation of a
 * pending challenge is answered here ({@link ChallengeResponder}) and never routed. A validation
 * of a challenge this node has not heard of (another node ordered it) is looked up once in the
 * cluster's challenge map first (docs/acme.md). Confined to the connection's event loop.
 */
final class ChallengePhase {

  /** The connection the step runs for. */
  interface Owner {
    /** Whether it closed meanwhile (while a challenge was looked up). */
    boolean closed();

    /** No validation (or none this cluster knows): route it. */
    void decideRoute();

    /** The validation was answered: the responder is done with the socket. */
    void challengeAnswered();
  }

  private ChallengePhase() {}

  /** Answers the connection if it is a validation, else routes it (at once, or after the lookup). */
  static void answerOrRoute(Channel client, ListenerRuntime runtime, ListenerConfig listener, SniffPhase sniff, Sniffed facts,
      Owner owner) {
    answerOrRoute(client, runtime, listener, sniff, facts, owner, false);
  }

  private static void answerOrRoute(Channel client, ListenerRuntime runtime, ListenerConfig listener, SniffPhase sniff,
      Sniffed facts, Owner owner, boolean lookedUp) {
    ChallengeResponder.Outcome outcome = ChallengeResponder.answer(client, ProxiedConnection.HANDLER_NAME, facts, sniff.prefix(),
        runtime.state().acmeChallenges(), listener.timeouts().sniff(), owner::challengeAnswered);
    if (outcome == ChallengeResponder.Outcome.ANSWERED) {
      sniff.takePrefix(); // the responder owns it now
    } else if (outcome == ChallengeResponder.Outcome.UNKNOWN && !lookedUp && runtime.state().acme() != null) {
      runtime.state().acme().lookUp(ChallengeResponder.key(facts, sniff.prefix()))
          .onComplete(found -> client.eventLoop().execute(() -> {
            if (!owner.closed()) {
              answerOrRoute(client, runtime, listener, sniff, facts, owner, true);
            }
          }));
    } else {
      owner.decideRoute();
    }
  }
}
