package dev.l4mux.route;

import dev.l4mux.config.Balance;
import dev.l4mux.config.HostPort;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Orders a route's backends for one connection: the policy's pick first, then others as failover,
 * at most {@code maxCandidates} (1 + the route's retries), each once. Only {@linkplain
 * Backend#isEligible() eligible} backends are candidates (an empty order means none is); among
 * them, backends whose last connect failed go last (passive health is only a guess). Every policy
 * honours weights: round_robin is nginx's smooth weighted sequence; random and power_of_two draw
 * by weight; least_connections compares connections per unit of weight; source hashing gives a
 * backend ring points in proportion to its weight; sticky_source assigns new clients by weighted
 * round robin.
 */
final class Balancer {

  private final Balance policy;
  private final List<Backend> backends;
  private final int maxCandidates;
  private final int[] weightedSequence;
  private final HashRing ring;
  private final AffinityTable affinity;
  private final AtomicLong next = new AtomicLong();

  /** A balancer that lists every eligible backend (no retry bound) with a private affinity table. */
  Balancer(Balance policy, List<Backend> backends) {
    this(policy, backends, backends.size(),
        policy == Balance.STICKY_SOURCE ? new AffinityTable(100_000, 30L * 60 * 1_000_000_000L) : null);
  }

  Balancer(Balance policy, List<Backend> backends, int maxCandidates, AffinityTable affinity) {
    this.policy = policy;
    this.backends = List.copyOf(backends);
    this.maxCandidates = Math.max(1, maxCandidates);
    this.weightedSequence = smoothWeightedSequence(this.backends);
    this.ring = policy == Balance.SOURCE_IP || policy == Balance.SOURCE_SOCKET ? new HashRing(this.backends) : null;
    this.affinity = affinity;
  }

  List<Backend> order(String sourceHost, int sourcePort) {
    int n = backends.size();
    if (n == 1) {
      return backends.get(0).isEligible() ? backends : List.of();
    }
    boolean[] eligible = new boolean[n];
    int eligibleCount = 0;
    for (int i = 0; i < n; i++) {
      eligible[i] = backends.get(i).isEligible();
      eligibleCount += eligible[i] ? 1 : 0;
    }
    if (eligibleCount == 0) {
      return List.of();
    }
    String host = sourceHost == null ? "" : sourceHost; // decide() never throws, even without a source
    return switch (policy) {
      case FIRST -> rotation(0, eligible);
      case ROUND_ROBIN -> rotation(nextInSequence(), eligible);
      case RANDOM -> rotation(weightedPick(eligible, -1), eligible);
      case POWER_OF_TWO -> rotation(powerOfTwo(eligible, eligibleCount), eligible);
      case LEAST_CONNECTIONS -> rotation(leastConnected(eligible), eligible);
      case SOURCE_IP -> hashed(HashRing.hash(host), eligible);
      case SOURCE_SOCKET -> hashed(HashRing.hash(host + "#" + sourcePort), eligible);
      case STICKY_SOURCE -> sticky(host, eligible);
    };
  }

  /** The eligible backends from {@code first} on, wrapping around; failed-last, bounded. */
  private List<Backend> rotation(int first, boolean[] eligible) {
    int n = backends.size();
    List<Backend> ordered = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int index = (first + i) % n;
      if (eligible[index]) {
        ordered.add(backends.get(index));
      }
    }
    return failedLastAndBounded(ordered);
  }

  private List<Backend> hashed(long key, boolean[] eligible) {
    int[] picked = new int[backends.size()];
    int found = ring.walk(key, picked, i -> !eligible[i]);
    List<Backend> ordered = new ArrayList<>(found);
    for (int i = 0; i < found; i++) {
      ordered.add(backends.get(picked[i]));
    }
    return failedLastAndBounded(ordered);
  }

  private List<Backend> sticky(String host, boolean[] eligible) {
    long now = System.nanoTime();
    HostPort bound = affinity.get(host, now);
    int first = -1;
    for (int i = 0; bound != null && i < backends.size(); i++) {
      Backend b = backends.get(i);
      if (eligible[i] && b.isUp() && b.address().equals(bound)) {
        first = i;
        break;
      }
    }
    List<Backend> ordered = rotation(first >= 0 ? first : nextInSequence(), eligible);
    affinity.put(host, ordered.get(0).address(), now);
    return ordered;
  }

  private List<Backend> failedLastAndBounded(List<Backend> ordered) {
    // Stable sort: keeps the policy's order among equally healthy backends.
    ordered.sort(Comparator.comparing(b -> b.isUp() ? 0 : 1));
    return ordered.size() > maxCandidates ? ordered.subList(0, maxCandidates) : ordered;
  }

  private int nextInSequence() {
    return weightedSequence[(int) Math.floorMod(next.getAndIncrement(), (long) weightedSequence.length)];
  }

  /** A random eligible backend other than {@code except}, drawn by weight. */
  private int weightedPick(boolean[] eligible, int except) {
    int total = 0;
    for (int i = 0; i < backends.size(); i++) {
      if (eligible[i] && i != except) {
        total += backends.get(i).weight();
      }
    }
    int r = ThreadLocalRandom.current().nextInt(total);
    for (int i = 0; i < backends.size(); i++) {
      if (eligible[i] && i != except) {
        r -= backends.get(i).weight();
        if (r < 0) {
          return i;
        }
      }
    }
    throw new IllegalStateException("weights changed during a pick");
  }

  /**
   * Two random picks by weight; the one with fewer connections per unit of weight wins (ties: the
   * first). Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing", 2001.
   */
  private int powerOfTwo(boolean[] eligible, int eligibleCount) {
    int a = weightedPick(eligible, -1);
    if (eligibleCount == 1) {
      return a;
    }
    int b = weightedPick(eligible, a);
    Backend x = backends.get(a);
    Backend y = backends.get(b);
    if (x.isUp() != y.isUp()) {
      return x.isUp() ? a : b;
    }
    long loadX = (long) x.activeConnections() * y.weight();
    long loadY = (long) y.activeConnections() * x.weight();
    return loadY < loadX ? b : a;
  }

  private int leastConnected(boolean[] eligible) {
    int best = -1;
    boolean bestUp = false;
    long bestActive = 0;
    int bestWeight = 1;
    int offset = (int) Math.floorMod(next.getAndIncrement(), (long) backends.size()); // rotate ties
    for (int i = 0; i < backends.size(); i++) {
      int index = (offset + i) % backends.size();
      if (!eligible[index]) {
        continue;
      }
      Backend b = backends.get(index);
      long active = b.activeConnections();
      // Fewer connections per unit of weight, compared without division: a/w < best/bw.
      boolean better = best < 0
          || (b.isUp() && !bestUp)
          || (b.isUp() == bestUp && active * bestWeight < bestActive * b.weight());
      if (better) {
        best = index;
        bestUp = b.isUp();
        bestActive = active;
        bestWeight = b.weight();
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
