package dev.l4mux.limits;

import dev.l4mux.config.Limits;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;

/**
 * The limits of one scope (the node, a listener or a route) with their live state: open
 * connections, the scope's token bucket, and per client address its open connections and bucket,
 * all shared by the event loops without a lock (compare-and-set only).
 *
 * <p>The per-address table is bounded exactly ({@code defaults.limits.perIpTableSize}, {@link
 * SourceTable}): a source's count and bucket sit in its slot of one {@code long[]}, so a connection
 * from a known source costs about one cache miss and allocates nothing. A source with open
 * connections is never evicted, so {@code maxConnectionsPerIp} is exact. A new source is refused as
 * {@code limit} when the table has no room for it: every one of its 16 candidate slots holds a
 * source with open connections, or the table is at its bound and the CLOCK hand finds no idle
 * source among the 256 slots it looks at. Either takes a number of sources with open connections at
 * once close to the bound itself (with half the bound connected, all 16 candidates of a newcomer
 * are held about once in 10^8 newcomers). It is also refused if another loop adding the same
 * source at that instant stalls halfway (32 quick tries, a few microseconds, then no room). An idle
 * source whose bucket has not refilled can be evicted under a flood of distinct sources and then
 * starts with a full burst: {@code connectionRatePerIp} can then admit up to one burst more, never
 * less.
 *
 * <p>Rules are checked in order (scope limit, scope rate, source limit, source rate) and a refusal
 * gives back what the earlier rules took, so a refused connection takes no slot and no token. While
 * two loops admit at the same instant, one may see the other's slot or token taken for the moment
 * before it is given back: concurrent refusals can come early, admissions never exceed a threshold.
 */
final class ScopeLimiter {

  /** No slot held in the per-source table. */
  static final int NO_SOURCE = -1;

  /**
   * The scope's open count and its bucket's number side by side in one array (so in one cache line,
   * but when a line boundary falls between the two): every loop changes both on every connection,
   * so one line moves between the cores per connection, not two.
   */
  static final class ScopeCell implements TokenBucket.Cells {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int OPEN = 0;
    /** The index of the bucket's number. */
    static final int TAT = 1;
    private final long[] words = new long[2];

    long open() {
      return (long) LONGS.getVolatile(words, OPEN);
    }

    boolean compareAndSetOpen(long expected, long next) {
      return LONGS.compareAndSet(words, OPEN, expected, next);
    }

    void closed() {
      LONGS.getAndAdd(words, OPEN, -1L);
    }

    @Override
    public long value(int index) {
      return (long) LONGS.getVolatile(words, index);
    }

    @Override
    public boolean compareAndSetValue(int index, long expected, long next) {
      return LONGS.compareAndSet(words, index, expected, next);
    }
  }

  private final Limits limits;
  private final int tableSize;
  private final ScopeCell cell = new ScopeCell(); // open connections and the scope's bucket
  private final TokenBucket rate;
  private final TokenBucket ratePerSource;
  private final SourceTable sources;

  ScopeLimiter(Limits limits, int tableSize, long nowNanos) {
    this.limits = limits;
    this.tableSize = tableSize;
    this.rate = limits.connectionRate() == null ? null : new TokenBucket(limits.connectionRate(), nowNanos);
    TokenBucket perSource = limits.connectionRatePerIp() == null ? null : new TokenBucket(limits.connectionRatePerIp(), nowNanos);
    this.ratePerSource = perSource;
    // Fresh (evicting it loses nothing): no bucket, or a full one; the table checks that nothing is held.
    this.sources = limits.perIp()
        ? new SourceTable(tableSize, (tat, now) -> perSource == null || perSource.isFull(tat, now))
        : null;
  }

  Limits limits() {
    return limits;
  }

  int tableSize() {
    return tableSize;
  }

  int open() {
    return (int) cell.open();
  }

  /** Client addresses tracked now (at most the table size). */
  int trackedSources() {
    return sources == null ? 0 : sources.size();
  }

  /**
   * Admits one new connection from {@code client} or tells why not.
   *
   * @param client the real client's address; null (no address known) skips the per-address rules
   * @param nowNanos when the connection arrived ({@link System#nanoTime}; read once by the caller)
   * @param held receives what to release when the admitted connection ends
   * @return null when admitted, else {@code limit} or {@code rate}
   */
  String admit(InetAddress client, long nowNanos, Admission held) {
    if (!openBelow(limits.maxConnections())) {
      return Admission.LIMIT;
    }
    if (rate != null && !rate.tryTake(cell, ScopeCell.TAT, nowNanos)) {
      cell.closed();
      return Admission.RATE;
    }
    int slot = NO_SOURCE;
    if (sources != null && client != null) {
      slot = admitSource(SourceKeys.hi(client), SourceKeys.lo(client), nowNanos);
      if (slot < NO_SOURCE) {
        if (rate != null) {
          rate.refund(cell, ScopeCell.TAT);
        }
        cell.closed();
        return slot == REFUSED_LIMIT ? Admission.LIMIT : Admission.RATE;
      }
    }
    held.hold(this, slot);
    return null;
  }

  private static final int REFUSED_LIMIT = -2;
  private static final int REFUSED_RATE = -3;

  /**
   * The per-source rules: a hold on the source's slot (kept while the connection is open with
   * {@code maxConnectionsPerIp}; without it, only while its bucket is taken from, so that the slot
   * cannot change hands meanwhile), then a token from its bucket.
   *
   * @return the slot to release at the end, {@link #NO_SOURCE}, or a refusal
   */
  private int admitSource(long hi, long lo, long nowNanos) {
    int maxPerIp = limits.maxConnectionsPerIp();
    int slot = -1;
    int taken = -1;
    for (int attempt = 0; taken < 0; attempt++) {
      slot = attempt < 4 ? sources.findOrAdd(hi, lo, nowNanos) : -1;
      if (slot < 0) {
        return REFUSED_LIMIT; // no room (see the class comment), or evicted at every attempt
      }
      taken = sources.tryHold(slot, hi, lo, maxPerIp); // -1: evicted this instant, look again
    }
    if (taken == 0) {
      return REFUSED_LIMIT;
    }
    if (ratePerSource != null && !ratePerSource.tryTake(sources, slot, nowNanos)) {
      sources.release(slot);
      return REFUSED_RATE;
    }
    if (maxPerIp == 0) {
      sources.release(slot); // nothing to count while it is open
      return NO_SOURCE;
    }
    return slot;
  }

  /** Counts one more open connection unless {@code max} (0: no maximum) are open. */
  private boolean openBelow(int max) {
    for (;;) {
      long n = cell.open();
      if (max > 0 && n >= max) {
        return false;
      }
      if (cell.compareAndSetOpen(n, n + 1)) {
        return true;
      }
    }
  }

  void release(int slot) {
    cell.closed();
    if (slot != NO_SOURCE) {
      sources.release(slot);
    }
  }
}
