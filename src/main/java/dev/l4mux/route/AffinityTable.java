package dev.l4mux.route;

import dev.l4mux.config.HostPort;
import dev.l4mux.limits.SourceTable;

/**
 * sticky_source's client-to-backend table for one route: an entry lapses {@code ttl} after the
 * client's last connection, and the table is bounded by {@code defaults.limits.perIpTableSize}
 * (CLOCK eviction, lapsed entries first; {@link SourceTable}), so a flood of distinct (or spoofed)
 * sources cannot grow it. Read and written by every event loop without a lock.
 */
final class AffinityTable {

  private record Target(HostPort backend, long expiresNanos) {}

  private static final class Binding extends SourceTable.Entry<String> {
    private volatile Target target;

    Binding(String client) {
      super(client);
    }

    @Override
    protected boolean isFresh(long nowNanos) {
      Target t = target;
      return t == null || nowNanos - t.expiresNanos() >= 0;
    }
  }

  private final long ttlNanos;
  private final SourceTable<String, Binding> entries;

  AffinityTable(int capacity, long ttlNanos) {
    this.ttlNanos = ttlNanos;
    this.entries = new SourceTable<>(capacity);
  }

  int capacity() {
    return entries.capacity();
  }

  long ttlNanos() {
    return ttlNanos;
  }

  /** The client's backend, or null when it has none or its entry lapsed. */
  HostPort get(String client, long nowNanos) {
    Binding b = entries.find(client);
    Target t = b == null ? null : b.target;
    return t == null || nowNanos - t.expiresNanos() >= 0 ? null : t.backend();
  }

  /** Binds the client to a backend (or refreshes its binding) until {@code ttl} from now. */
  void put(String client, HostPort backend, long nowNanos) {
    Binding b = entries.findOrAdd(client, nowNanos, (key, now) -> new Binding(key));
    if (b != null) { // null only if every slot looked at was being added or evicted this instant
      b.target = new Target(backend, nowNanos + ttlNanos);
    }
  }

  int size() {
    return entries.size();
  }
}
