package dev.l4mux.bench;

import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.limits.Admission;
import dev.l4mux.limits.Limiters;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Nanoseconds a connection pays for its listener's limits (issue 12 target: under 100 ns with
 * 100,000 tracked sources): admit and release against {@code maxConnections},
 * {@code maxConnectionsPerIp}, {@code connectionRatePerIp} and {@code connectionRate}, the
 * source drawn from 100,000 addresses that fill the per-source table. Run by {@code bench/run.sh}
 * (scenario {@code jmh}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LimitCheckBenchmark {

  private static final int SOURCES = 100_000;

  private Limiters limiters;
  private InetAddress[] sources;
  private int next;

  @Setup
  public void setUp() throws UnknownHostException {
    limiters = new Limiters();
    limiters.configure(ConfigParser.parse(ConfigFiles.parseText("""
        defaults: {limits: {perIpTableSize: 100000}}
        listeners:
          - name: edge
            bind: ['127.0.0.1:1']
            limits: {maxConnections: 1000000, maxConnectionsPerIp: 100, connectionRatePerIp: 1000000/s, connectionRate: 100000000/s}
        """)));
    sources = new InetAddress[SOURCES];
    for (int i = 0; i < SOURCES; i++) {
      sources[i] = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
      limiters.admitListener("edge", sources[i]).release();
    }
  }

  @Benchmark
  public String admitAndRelease() {
    InetAddress source = sources[next];
    next = next + 7919 < SOURCES ? next + 7919 : next + 7919 - SOURCES; // a prime stride: every source, no locality
    Admission a = limiters.admitListener("edge", source);
    String refusal = a.refusal();
    a.release();
    return refusal;
  }
}
