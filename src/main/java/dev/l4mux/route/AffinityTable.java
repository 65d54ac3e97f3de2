package dev.l4mux.route;

import dev.l4mux.config.HostPort;
import dev.l4mux.limits.SourceKeys;
import dev.l4mux.limits.SourceTable;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * sticky_source's client-to-backend table for one route: an entry lapses {@code ttl} after the
 * client's last connection, and the table is bounded by {@code defaults.limits.perIpTableSize}
 * (CLOCK eviction, lapsed entries first; {@link SourceTable}), so a flood of distinct (or spoofed)
 * sources cannot grow it. Read and written by every event loop without a lock.
 *
 * <p>The client's slot keeps the binding's expiry (its value word: a lapsed binding is fresh, the
 * first to go); the backend is a reference, kept beside the table by slot with the client's key, so
 * a binding read through a slot that has meanwhile changed hands is recognised and ignored.
 */
final class AffinityTable {

  private record Target(long hi, long lo, HostPort backend, long expiresNanos) {}

  private final long ttlNanos;
  private final SourceTable entries;
  private final AtomicReferenceArray<Target> targets;

  AffinityTable(int capacity, long ttlNanos) {
    this.ttlNanos = ttlNanos;
    // A new slot's value is 0: lapsed (fresh) until put writes the binding's expiry.
    this.entries = new SourceTable(capacity, (expires, now) -> now - expires >= 0);
    this.targets = new AtomicReferenceArray<>(entries.slotCount());
  }

  int capacity() {
    return entries.capacity();
  }

  long ttlNanos() {
    return ttlNanos;
  }

  /** The client's backend, or null when it has none or its entry lapsed. */
  HostPort get(String client, long nowNanos) {
    long[] key = SourceKeys.ofLiteral(client);
    int slot = entries.find(key[0], key[1]);
    Target t = slot < 0 ? null : targets.get(slot);
    return t == null || t.hi() != key[0] || t.lo() != key[1] || nowNanos - t.expiresNanos() >= 0 ? null : t.backend();
  }

  /** Binds the client to a backend (or refreshes its binding) until {@code ttl} from now. */
  void put(String client, HostPort backend, long nowNanos) {
    long[] key = SourceKeys.ofLiteral(client);
    int slot = entries.findOrAdd(key[0], key[1], nowNanos);
    if (slot >= 0) { // -1 only if every candidate was being added or evicted this instant
      long expires = nowNanos + ttlNanos;
      targets.set(slot, new Target(key[0], key[1], backend, expires));
      entries.setValue(slot, expires);
    }
  }

  int size() {
    return entries.size();
  }
}
