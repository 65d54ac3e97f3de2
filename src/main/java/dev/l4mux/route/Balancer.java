package dev.l4mux.route;

import dev.l4mux.config.Balance;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Orders a route's backends for one connection: the policy's pick first, then the rest as failover.
 * Backends marked down by passive health go last (but are still tried: a down mark is only a guess).
 * Weights apply to round_robin (a smooth weighted sequence, as nginx builds it) and random.
 */
final class Balancer {

  private final Balance policy;
  private final List<Backend> backends;
  private final int[] weightedSequence;
  private final AtomicLong next = new AtomicLong();

  Balancer(Balance policy, List<Backend> backends) {
    this.policy = policy;
    this.backends = List.copyOf(backends);
    this.weightedSequence = smoothWeightedSequence(this.backends);
  }

  List<Backend> order(String sourceHost, int sourcePort) {
    int n = backends.size();
    if (n == 1) {
      return backends;
    }
    String host = sourceHost == null ? "" : sourceHost; // decide() never throws, even without a source
    int first =
        switch (policy) {
          case FIRST -> 0;
          case ROUND_ROBIN -> weightedSequence[(int) Math.floorMod(next.getAndIncrement(), (long) weightedSequence.length)];
          case RANDOM -> weightedSequence[ThreadLocalRandom.current().nextInt(weightedSequence.length)];
          case LEAST_CONNECTIONS -> leastConnected();
          case SOURCE_IP -> Math.floorMod(host.hashCode(), n);
          case SOURCE_SOCKET -> Math.floorMod(host.hashCode() * 31 + sourcePort, n);
        };
    List<Backend> ordered = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ordered.add(backends.get((first + i) % n));
    }
    // Stable sort: keeps the policy's order among equally healthy backends.
    ordered.sort(Comparator.comparing(b -> b.isUp() ? 0 : 1));
    return ordered;
  }

  private int leastConnected() {
    int best = 0;
    int bestActive = Integer.MAX_VALUE;
    int offset = (int) Math.floorMod(next.getAndIncrement(), (long) backends.size()); // rotate ties
    for (int i = 0; i < backends.size(); i++) {
      int index = (offset + i) % backends.size();
      Backend b = backends.get(index);
      int active = b.activeConnections() * 1000 / b.weight();
      if (b.isUp() && active < bestActive) {
        best = index;
        bestActive = active;
      }
    }
    return best;
  }

  /** nginx's smooth weighted round robin, unrolled once into a sequence of backend indexes. */
  private static int[] smoothWeightedSequence(List<Backend> backends) {
    int total = backends.stream().mapToInt(Backend::weight).sum();
    int[] sequence = new int[Math.max(total, 1)];
    int[] current = new int[backends.size()];
    for (int step = 0; step < total; step++) {
      int best = 0;
      for (int i = 0; i < backends.size(); i++) {
        current[i] += backends.get(i).weight();
        if (current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      sequence[step] = best;
    }
    return sequence;
  }
}
