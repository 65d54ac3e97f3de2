package dev.l4mux.limits;

import dev.l4mux.config.Limits;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The limits of one scope (the node, a listener or a route) with their live state: open
 * connections, the scope's token bucket, and per client address its open connections and bucket.
 * The per-address table is bounded ({@code defaults.limits.perIpTableSize}, least recently used
 * first out), so a flood of distinct or spoofed sources cannot grow it; an evicted source starts
 * afresh, which under such a flood can only admit a little more than its limit, never less. A
 * source's state is one small object, so a later issue can keep the same table cluster-wide.
 */
final class ScopeLimiter {

  /** A client address's state in one scope. */
  static final class Source {
    int open;
    TokenBucket bucket;
  }

  private final Limits limits;
  private final int tableSize;
  private final AtomicInteger open = new AtomicInteger();
  private final TokenBucket rate;
  private final LinkedHashMap<InetAddress, Source> sources;

  ScopeLimiter(Limits limits, int tableSize, long nowNanos) {
    this.limits = limits;
    this.tableSize = tableSize;
    this.rate = limits.connectionRate() == null ? null : new TokenBucket(limits.connectionRate(), nowNanos);
    this.sources = !limits.perIp() ? null : new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<InetAddress, Source> eldest) {
        return size() > ScopeLimiter.this.tableSize;
      }
    };
  }

  Limits limits() {
    return limits;
  }

  int tableSize() {
    return tableSize;
  }

  int open() {
    return open.get();
  }

  /** Client addresses tracked now (at most the table size). */
  int trackedSources() {
    if (sources == null) {
      return 0;
    }
    synchronized (sources) {
      return sources.size();
    }
  }

  /**
   * Admits one new connection from {@code client} or tells why not. Rules are checked before any
   * state changes, so a refused connection takes no token and no slot.
   *
   * @param held receives what to release when the admitted connection ends
   * @return null when admitted, else {@code limit} or {@code rate}
   */
  String admit(InetAddress client, long nowNanos, Admission held) {
    if (limits.maxConnections() > 0 && open.incrementAndGet() > limits.maxConnections()) {
      open.decrementAndGet();
      return Admission.LIMIT;
    }
    boolean counted = limits.maxConnections() > 0;
    if (rate != null) {
      boolean taken;
      synchronized (rate) {
        taken = rate.tryTake(nowNanos);
      }
      if (!taken) {
        undo(counted);
        return Admission.RATE;
      }
    }
    Source source = null;
    if (sources != null) {
      String refusal = null;
      synchronized (sources) {
        source = sources.computeIfAbsent(client, k -> new Source());
        if (limits.maxConnectionsPerIp() > 0 && source.open >= limits.maxConnectionsPerIp()) {
          refusal = Admission.LIMIT;
        } else if (limits.connectionRatePerIp() != null) {
          if (source.bucket == null) {
            source.bucket = new TokenBucket(limits.connectionRatePerIp(), nowNanos);
          }
          if (!source.bucket.tryTake(nowNanos)) {
            refusal = Admission.RATE;
          }
        }
        if (refusal == null) {
          source.open++;
        }
      }
      if (refusal != null) {
        if (rate != null) {
          synchronized (rate) {
            rate.refund();
          }
        }
        undo(counted);
        return refusal;
      }
    }
    if (!counted) {
      open.incrementAndGet();
    }
    held.hold(this, source);
    return null;
  }

  private void undo(boolean counted) {
    if (counted) {
      open.decrementAndGet();
    }
  }

  void release(Source source) {
    open.decrementAndGet();
    if (source != null) {
      synchronized (sources) {
        source.open--;
      }
    }
  }
}
