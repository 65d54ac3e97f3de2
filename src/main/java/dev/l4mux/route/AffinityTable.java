package dev.l4mux.route;

import dev.l4mux.config.HostPort;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * sticky_source's client-to-backend table for one route: bounded (least recently used entries
 * go first), and an entry lapses {@code ttl} after the client's last connection. Its size bound is
 * {@code defaults.limits.perIpTableSize}, so a flood of distinct (or spoofed) sources cannot grow
 * it.
 */
final class AffinityTable {

  private record Entry(HostPort backend, long expiresNanos) {}

  private final int capacity;
  private final long ttlNanos;
  private final LinkedHashMap<String, Entry> entries;

  AffinityTable(int capacity, long ttlNanos) {
    this.capacity = capacity;
    this.ttlNanos = ttlNanos;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > AffinityTable.this.capacity;
      }
    };
  }

  int capacity() {
    return capacity;
  }

  long ttlNanos() {
    return ttlNanos;
  }

  /** The client's backend, or null when it has none or its entry lapsed. */
  synchronized HostPort get(String client, long nowNanos) {
    Entry e = entries.get(client);
    if (e == null) {
      return null;
    }
    if (nowNanos - e.expiresNanos >= 0) {
      entries.remove(client);
      return null;
    }
    return e.backend;
  }

  /** Binds the client to a backend (or refreshes its binding) until {@code ttl} from now. */
  synchronized void put(String client, HostPort backend, long nowNanos) {
    entries.put(client, new Entry(backend, nowNanos + ttlNanos));
  }

  synchronized int size() {
    return entries.size();
  }
}
