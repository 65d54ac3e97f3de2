package dev.l4mux.limits;

import dev.l4mux.config.Limits;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The limits of one scope (the node, a listener or a route) with their live state: open
 * connections, the scope's token bucket, and per client address its open connections and bucket,
 * all shared by the event loops without a lock (compare-and-set only).
 *
 * <p>The per-address table is bounded exactly ({@code defaults.limits.perIpTableSize}, {@link
 * SourceTable}). A source with open connections is never evicted, so {@code maxConnectionsPerIp} is
 * exact; when the table has no room (that many sources hold connections), a new source is refused
 * as {@code limit}. An idle source whose bucket has not refilled can be evicted under a flood of
 * distinct sources and then starts with a full burst: {@code connectionRatePerIp} can then admit
 * up to one burst more, never less.
 *
 * <p>Rules are checked in order (scope limit, scope rate, source limit, source rate) and a refusal
 * gives back what the earlier rules took, so a refused connection takes no slot and no token. While
 * two loops admit at the same instant, one may see the other's slot or token taken for the moment
 * before it is given back: concurrent refusals can come early, admissions never exceed a threshold.
 */
final class ScopeLimiter {

  /**
   * A client address's state in one scope: its open connections are the entry's holds, and its
   * token bucket's number sits inline.
   */
  static final class Source extends SourceTable.Entry<Object> implements TokenBucket.Cell {
    private static final VarHandle TAT;

    static {
      try {
        TAT = MethodHandles.lookup().findVarHandle(Source.class, "tat", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final TokenBucket rate; // the scope's connectionRatePerIp, or null
    private volatile long tat;

    Source(Object key, TokenBucket rate) {
      super(key);
      this.rate = rate;
    }

    @Override
    public long tat() {
      return tat;
    }

    @Override
    public boolean compareAndSetTat(long expected, long next) {
      return TAT.compareAndSet(this, expected, next);
    }

    @Override
    protected boolean isFresh(long nowNanos) {
      return holds() == 0 && (rate == null || rate.isFull(this, nowNanos));
    }
  }

  private final Limits limits;
  private final int tableSize;
  private final AtomicInteger open = new AtomicInteger();
  private final TokenBucket rate;
  private final TokenBucket.OwnCell rateCell = new TokenBucket.OwnCell();
  private final TokenBucket ratePerSource;
  private final SourceTable<Object, Source> sources;
  private final SourceTable.Maker<Object, Source> newSource;

  ScopeLimiter(Limits limits, int tableSize, long nowNanos) {
    this.limits = limits;
    this.tableSize = tableSize;
    this.rate = limits.connectionRate() == null ? null : new TokenBucket(limits.connectionRate(), nowNanos);
    this.ratePerSource = limits.connectionRatePerIp() == null ? null : new TokenBucket(limits.connectionRatePerIp(), nowNanos);
    this.sources = limits.perIp() ? new SourceTable<>(tableSize) : null;
    this.newSource = (key, now) -> new Source(key, ratePerSource);
  }

  /**
   * The table's key for an address: an IPv4 address as a {@code Long} (its value sits in the key
   * object: one memory access less per lookup than an {@code InetAddress} and its holder), others
   * as they are.
   */
  private static Object keyOf(InetAddress client) {
    return client instanceof Inet4Address ? Long.valueOf(client.hashCode() & 0xffff_ffffL) : client; // Inet4Address.hashCode is the address
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
    return sources == null ? 0 : sources.size();
  }

  /**
   * Admits one new connection from {@code client} or tells why not.
   *
   * @param client the real client's address; null (no address known) skips the per-address rules
   * @param held receives what to release when the admitted connection ends
   * @return null when admitted, else {@code limit} or {@code rate}
   */
  String admit(InetAddress client, long nowNanos, Admission held) {
    if (!openBelow(limits.maxConnections())) {
      return Admission.LIMIT;
    }
    if (rate != null && !rate.tryTake(rateCell, nowNanos)) {
      open.decrementAndGet();
      return Admission.RATE;
    }
    Source source = null;
    if (sources != null && client != null) {
      String refusal = null;
      int maxPerIp = limits.maxConnectionsPerIp();
      int taken = -1;
      Object key = keyOf(client);
      for (int attempt = 0; taken < 0 && refusal == null; attempt++) {
        source = attempt < 4 ? sources.findOrAdd(key, nowNanos, newSource) : null;
        if (source == null) {
          refusal = Admission.LIMIT; // no room: every slot looked at holds open connections
        } else {
          taken = maxPerIp > 0 ? source.tryHold(maxPerIp) : 1;
          refusal = taken == 0 ? Admission.LIMIT : null; // -1: evicted this instant, look again
        }
      }
      if (refusal == null && ratePerSource != null && !ratePerSource.tryTake(source, nowNanos)) {
        refusal = Admission.RATE;
        if (maxPerIp > 0) {
          source.release();
        }
      }
      if (refusal != null) {
        if (rate != null) {
          rate.refund(rateCell);
        }
        open.decrementAndGet();
        return refusal;
      }
      if (maxPerIp == 0) {
        source = null; // nothing held in it
      }
    }
    held.hold(this, source);
    return null;
  }


  /** Counts one more open connection unless {@code max} (0: no maximum) are open. */
  private boolean openBelow(int max) {
    for (;;) {
      int n = open.get();
      if (max > 0 && n >= max) {
        return false;
      }
      if (open.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void release(Source source) {
    open.decrementAndGet();
    if (source != null) {
      source.release();
    }
  }
}
