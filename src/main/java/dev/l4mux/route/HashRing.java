package dev.l4mux.route;

import java.util.Arrays;
import java.util.List;

/**
 * Consistent hashing for source_ip and source_socket: a ring of points, {@link #POINTS_PER_WEIGHT}
 * per unit of weight for each backend, placed by a hash of the backend's address and the point's
 * number. A key goes to the first point at or after its hash; the failover order is the backends
 * met walking on from there. A backend's points depend only on its own address and weight, so
 * removing one backend (or leaving it out while it is down) moves exactly the keys it had, and
 * no other key (Karger et al., "Consistent hashing and random trees", 1997).
 */
final class HashRing {

  /** 160 points per backend keep the spread within a few percent of the weights (as ketama). */
  static final int POINTS_PER_WEIGHT = 160;
  /** Points one backend may have at most (weight 1000 would otherwise be 160,000). */
  static final int MAX_POINTS_PER_BACKEND = 16_384;

  private final long[] positions;
  private final int[] owners;
  private final int backendCount;

  HashRing(List<Backend> backends) {
    backendCount = backends.size();
    int total = 0;
    int[] counts = new int[backends.size()];
    for (int i = 0; i < backends.size(); i++) {
      counts[i] = Math.min(MAX_POINTS_PER_BACKEND, POINTS_PER_WEIGHT * backends.get(i).weight());
      total += counts[i];
    }
    long[] hashes = new long[total];
    int n = 0;
    for (int i = 0; i < backends.size(); i++) {
      String name = backends.get(i).address().toString();
      for (int p = 0; p < counts[i]; p++) {
        hashes[n] = hash(name + "#" + p);
        n++;
      }
    }
    // Sort point indexes by position (unsigned), then lay positions and owners out in that order.
    Integer[] order = new Integer[total];
    for (int i = 0; i < total; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compareUnsigned(hashes[a], hashes[b]));
    positions = new long[total];
    owners = new int[total];
    int[] ownerOf = new int[total];
    int k = 0;
    for (int i = 0; i < backends.size(); i++) {
      for (int p = 0; p < counts[i]; p++) {
        ownerOf[k++] = i;
      }
    }
    for (int i = 0; i < total; i++) {
      positions[i] = hashes[order[i]];
      owners[i] = ownerOf[order[i]];
    }
  }

  /**
   * Writes the backends in ring order from {@code key}'s point into {@code out} (each once, at most
   * {@code out.length}), skipping those {@code skip} rejects.
   *
   * @return how many were written
   */
  int walk(long key, int[] out, java.util.function.IntPredicate skip) {
    if (positions.length == 0) {
      return 0;
    }
    int start = firstAtOrAfter(key);
    boolean[] seen = new boolean[backendCount];
    int found = 0;
    int distinct = 0;
    for (int step = 0; step < positions.length && found < out.length && distinct < backendCount; step++) {
      int owner = owners[(start + step) % positions.length];
      if (seen[owner]) {
        continue;
      }
      seen[owner] = true;
      distinct++;
      if (!skip.test(owner)) {
        out[found++] = owner;
      }
    }
    return found;
  }

  private int firstAtOrAfter(long key) {
    int lo = 0;
    int hi = positions.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(positions[mid], key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == positions.length ? 0 : lo;
  }

  /** FNV-1a (64 bit) over the UTF-16 units, then MurmurHash3's fmix64 finaliser to spread the bits. */
  static long hash(String text) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < text.length(); i++) {
      h ^= text.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
