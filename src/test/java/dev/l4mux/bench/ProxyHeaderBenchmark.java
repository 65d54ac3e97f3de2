package dev.l4mux.bench;

import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import dev.l4mux.sniff.proxy.ProxyHeaderResult;
import dev.l4mux.sniff.proxy.ProxyHeaderWriter;
import dev.l4mux.sniff.proxy.ProxyTlv;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What a PROXY header costs a connection: parsing the v1 line and the v2 header HAProxy sends
 * (with CRC32C and UNIQUE_ID), and writing the v2 header a route with {@code send: v2} sends
 * (AUTHORITY, ALPN, UNIQUE_ID, CRC32C). Run by {@code bench/run.sh} (scenario {@code jmh}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ProxyHeaderBenchmark {

  private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.7", 40000);
  private static final InetSocketAddress DEST = new InetSocketAddress("192.0.2.10", 443);

  private Buffer v1;
  private Buffer v2;
  private List<ProxyTlv> tlvs;

  @Setup
  public void build() {
    v1 = Buffer.buffer(ProxyHeaderWriter.v1(CLIENT, DEST)).appendString("GET / HTTP/1.1\r\n");
    tlvs = List.of(ProxyTlv.text(ProxyTlv.AUTHORITY, "www.example.com"), ProxyTlv.text(ProxyTlv.ALPN, "h2"),
        ProxyTlv.text(ProxyTlv.UNIQUE_ID, "node-1:123456"));
    v2 = Buffer.buffer(ProxyHeaderWriter.v2(CLIENT, DEST, ProxyHeader.Transport.STREAM,
        List.of(ProxyTlv.text(ProxyTlv.UNIQUE_ID, "l4mux-fixture-127.0.0.1-50596")), true))
        .appendBytes("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  @Benchmark
  public ProxyHeaderResult parseV1() {
    return ProxyHeaderParser.parse(v1, 16384);
  }

  @Benchmark
  public ProxyHeaderResult parseV2WithCrc32c() {
    return ProxyHeaderParser.parse(v2, 16384);
  }

  @Benchmark
  public byte[] writeV2WithTlvsAndCrc32c() {
    return ProxyHeaderWriter.v2(CLIENT, DEST, ProxyHeader.Transport.STREAM, tlvs, true);
  }

  @Benchmark
  public byte[] writeV1() {
    return ProxyHeaderWriter.v1(CLIENT, DEST);
  }
}
