package dev.l4mux.bench;

import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.limits.Admission;
import dev.l4mux.limits.Limiters;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
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
 * source drawn from 100,000 addresses that fill the per-source table. {@code twoLoops} does the
 * same from two threads at once, as two event loops share the scope's counters. {@code
 * addressOnly} is the part that is not the check: the new address object each socket brings and
 * the walk to the next source; the check's own cost is {@code admitAndRelease} minus it. The
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

  private Limiters limiters;
  private InetAddress[] addresses;

  /**
   * Each thread's own walk over the sources. It also prints the thread's cpu time per operation for
   * each iteration: on a shared machine the wall-clock score counts the time the thread waited for
   * a cpu, its cpu time does not.
   */
  @State(Scope.Thread)
  public static class Walk {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    int next = -1;
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
    addresses = new InetAddress[sources];
    for (int i = 0; i < sources; i++) {
      addresses[i] = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
      limiters.admitListener("edge", addresses[i], System.nanoTime()).release();
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

  /** Only what a connection brings and the walk: the address object, the next source, the arrival time. */
  @Benchmark
  public InetAddress addressOnly(Walk walk) {
    InetAddress source = nextAddress(walk);
    walk.arrival();
    return source;
  }

  private static InetAddress copyOf(InetAddress address) {
    try {
      return InetAddress.getByAddress(address.getAddress());
    } catch (UnknownHostException impossible) {
      throw new AssertionError(impossible);
    }
  }

  private InetAddress nextAddress(Walk walk) {
    if (walk.next < 0) {
      walk.next = ThreadLocalRandom.current().nextInt(sources);
    }
    // A new address object, as every accepted socket brings its own: a lookup cannot match by identity.
    InetAddress source = copyOf(addresses[walk.next]);
    int n = walk.next + 7919; // a prime stride: every source, no locality
    walk.next = n % sources;
    walk.operations++;
    return source;
  }

  private String admitAndReleaseNext(Walk walk) {
    InetAddress source = nextAddress(walk);
    Admission a = limiters.admitListener("edge", source, walk.arrival());
    String refusal = a.refusal();
    if (refusal != null) {
      walk.refused++;
    }
    a.release();
    return refusal;
  }
}
