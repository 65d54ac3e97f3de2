package dev.l4mux.bench;

import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.limits.Admission;
import dev.l4mux.limits.Limiters;
import dev.l4mux.limits.SourceTable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.BitSet;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Nanoseconds a connection pays for its listener's limits (issue 12 target: under 100 ns with
 * 100,000 tracked sources): admit and release against {@code maxConnections},
 * {@code maxConnectionsPerIp}, {@code connectionRatePerIp} and {@code connectionRate}, the
 * sources (100,000, filling the per-source table) taken in a shuffled order; {@code
 * admitAndReleaseLater} releases each {@value #OPEN} admissions later, as connections that stay
 * open a while. {@code admitAndReleaseOnTwoLoops} does the
 * same from two threads at once, as two event loops share the scope's counters. {@code
 * addressOnly} is the part that is not the check: the new address object each socket brings and
 * the walk to the next source; the check's own cost is {@code admitAndRelease} minus it. {@code
 * oneColdLine} is the floor no table can go under: one read and compare-and-set of a random line of
 * an array as large as the table (200,000 slots of 16 bytes for 100,000 sources), each line naming
 * the next so that the cpu cannot fetch two at once: the latency of per-source state that has
 * fallen out of the cpu's own caches. The
 * arrival time is the connection's accept time, read by the connection anyway (not by the check):
 * here the clock is read once per 1,024 operations so that buckets refill as in real time. Run by
 * {@code bench/run.sh} (scenario {@code jmh}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LimitCheckBenchmark {

  /** Tracked sources: 100,000 is the target's; {@code -p sources=1000} shows the cost without cache misses. */
  @Param("100000")
  public int sources;

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  /** Longs in one slot of a {@link SourceTable} (state with the key, value: 16 bytes). */
  private static final int LONGS_PER_SLOT = 2;

  private Limiters limiters;
  /** The sources in a shuffled order, walked in turn: the next one is not near the last in the table. */
  private int[] order;
  /** For {@code oneColdLine}: an array the table's size whose visited slots form one random cycle. */
  private long[] coldLines;
  private int coldAt;

  /**
   * Each thread's own walk over the sources. It also prints the thread's cpu time per operation for
   * each iteration: on a shared machine the wall-clock score counts the time the thread waited for
   * a cpu, its cpu time does not.
   */
  @State(Scope.Thread)
  public static class Walk {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    int next = -1;
    /** For {@code admitAndReleaseLater}: the admissions still open, released in turn. */
    final Admission[] open = new Admission[OPEN];
    int openAt;
    long operations;
    long refused;
    long cpuAtStart;
    long nowNanos;

    @Setup(Level.Iteration)
    public void startIteration() {
      operations = 0;
      refused = 0;
      nowNanos = System.nanoTime();
      cpuAtStart = THREADS.getCurrentThreadCpuTime();
    }

    /** The accept time of the next connection: the clock, read once per 1,024 connections. */
    long arrival() {
      if ((operations & 1023) == 0) {
        nowNanos = System.nanoTime();
      }
      return nowNanos;
    }

    @TearDown(Level.Iteration)
    public void printCpuPerOperation() {
      // Refusals would measure another path than an admission: the line says how many there were.
      System.out.printf(Locale.ROOT, "cpu-ns/op %.1f refused %d%n",
          (THREADS.getCurrentThreadCpuTime() - cpuAtStart) / (double) Math.max(1, operations), refused);
    }
  }

  @Setup
  public void setUp() throws UnknownHostException {
    limiters = new Limiters();
    limiters.configure(ConfigParser.parse(ConfigFiles.parseText("""
        defaults: {limits: {perIpTableSize: %d}}
        listeners:
          - name: edge
            bind: ['127.0.0.1:1']
            limits: {maxConnections: 1000000, maxConnectionsPerIp: 100, connectionRatePerIp: 1000000/s, connectionRate: 100000000/s}
        """.formatted(Math.max(sources, 1)))));
    order = new int[sources];
    for (int i = 0; i < sources; i++) {
      order[i] = i;
      limiters.admitListener("edge", addressOf(i), System.nanoTime()).release();
    }
    Random shuffle = new Random(12);
    for (int i = sources - 1; i > 0; i--) { // Fisher-Yates
      int j = shuffle.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    // As many slots as the limiter's table has (an empty one of its size tells, then goes).
    int slots = new SourceTable(Math.max(sources, 1), (value, now) -> true).slotCount();
    coldLines = new long[slots * LONGS_PER_SLOT];
    int[] visited = new int[sources]; // distinct random slots, one per source, in a random order
    BitSet used = new BitSet(slots);
    for (int i = 0; i < sources; i++) {
      int slot;
      do {
        slot = shuffle.nextInt(slots);
      } while (used.get(slot));
      used.set(slot);
      visited[i] = slot * LONGS_PER_SLOT;
    }
    for (int i = 0; i < sources; i++) {
      coldLines[visited[i]] = visited[(i + 1) % sources];
    }
    coldAt = visited[0];
  }

  /** Source {@code i} as a new address object, as an accepted socket brings it (fresh, so in the cache). */
  private static InetAddress addressOf(int i) {
    try {
      return InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
    } catch (UnknownHostException impossible) {
      throw new AssertionError(impossible);
    }
  }

  @Benchmark
  public String admitAndRelease(Walk walk) {
    return admitAndReleaseNext(walk);
  }

  @Benchmark
  @Threads(2)
  public String admitAndReleaseOnTwoLoops(Walk walk) {
    return admitAndReleaseNext(walk);
  }

  /** Connections open at once in {@code admitAndReleaseLater}. */
  static final int OPEN = 10_000;

  /**
   * As on a node with {@value #OPEN} connections open: each admission is released {@value #OPEN}
   * admissions later. By then its source's line has left the cpu's caches again, as it has when a
   * real connection ends, so the release pays its own miss. {@code admitAndRelease} releases at
   * once, while the line is still cached.
   */
  @Benchmark
  public String admitAndReleaseLater(Walk walk) {
    Admission a = admitNext(walk);
    Admission ending = walk.open[walk.openAt];
    if (ending != null) {
      ending.release();
    }
    walk.open[walk.openAt] = a;
    walk.openAt = walk.openAt + 1 == OPEN ? 0 : walk.openAt + 1;
    return a.refusal();
  }

  /** Only what a connection brings and the walk: the address object, the next source, the arrival time. */
  @Benchmark
  public InetAddress addressOnly(Walk walk) {
    InetAddress source = nextAddress(walk);
    walk.arrival();
    return source;
  }

  /**
   * The floor: one read and one compare-and-set of a random line of a table-sized array, whose
   * number the line before it gave (one benchmark thread only, as its state is shared).
   */
  @Benchmark
  public int oneColdLine(Walk walk) {
    nextAddress(walk);
    int at = coldAt;
    long next = (long) LONGS.getVolatile(coldLines, at);
    LONGS.compareAndSet(coldLines, at, next, next); // as a check takes its slot's line for writing
    coldAt = (int) next;
    return at;
  }

  private InetAddress nextAddress(Walk walk) {
    if (walk.next < 0) {
      walk.next = ThreadLocalRandom.current().nextInt(sources);
    }
    // A new address object, as every accepted socket brings its own: a lookup cannot match by
    // identity. It is made from the walk's next number (read in sequence: the cpu prefetches it),
    // so the only memory the check reads cold is the source's own state, as on a real accept.
    InetAddress source = addressOf(order[walk.next]);
    walk.next = walk.next + 1 == sources ? 0 : walk.next + 1;
    walk.operations++;
    return source;
  }

  private String admitAndReleaseNext(Walk walk) {
    Admission a = admitNext(walk);
    a.release();
    return a.refusal();
  }

  /** The next source's connection, admitted (or refused, and counted) by the listener's limits. */
  private Admission admitNext(Walk walk) {
    Admission a = limiters.admitListener("edge", nextAddress(walk), walk.arrival());
    if (a.refusal() != null) {
      walk.refused++;
    }
    return a;
  }
}
