package dev.l4mux.relay;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every open client connection of this node, for the admin API and for proving that nothing
 * accumulates. A connection is added when accepted and removed exactly once when it finishes.
 */
public final class ConnectionRegistry {

  private final AtomicLong ids = new AtomicLong();
  private final ConcurrentHashMap<Long, ProxiedConnection> open = new ConcurrentHashMap<>();

  long nextId() {
    return ids.incrementAndGet();
  }

  void add(ProxiedConnection connection) {
    open.put(connection.id(), connection);
  }

  void remove(ProxiedConnection connection) {
    open.remove(connection.id());
  }

  public int size() {
    return open.size();
  }

  public Collection<ProxiedConnection> all() {
    return open.values();
  }

  public Optional<ProxiedConnection> get(long id) {
    return Optional.ofNullable(open.get(id));
  }
}
