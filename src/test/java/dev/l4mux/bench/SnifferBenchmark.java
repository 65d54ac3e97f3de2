package dev.l4mux.bench;

import dev.l4mux.sniff.SniffDecision;
import dev.l4mux.sniff.SniffResult;
import dev.l4mux.sniff.Sniffed;
import dev.l4mux.sniff.Sniffer;
import dev.l4mux.sniff.SnifferCatalogue;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Nanoseconds per sniffing decision on the captured client first flights in {@code
 * src/test/resources/fixtures/} (the same bytes the sniffer tests use). {@code decide} is what a
 * connection pays: the whole catalogue in order over the complete prefix; {@code ownSniffer} is
 * the fixture's own sniffer alone. Run by {@code bench/run.sh} (scenario {@code jmh}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SnifferBenchmark {

  @Param({
    "tls/curl-https",
    "tls/openssl-tls12-sni-alpn",
    "tls/openssl-tls13-sni-alpn",
    "tls/openssl-tls13-noservername",
    "http/curl-get-host",
    "http/curl-h2c-prior-knowledge",
    "http/curl-h2c-upgrade",
    "http/curl-websocket-upgrade",
    "ssh/openssh-client"
  })
  public String fixture;

  private List<Sniffer> catalogue;
  private Sniffer own;
  private Buffer prefix;

  @Setup
  public void load() {
    catalogue = SnifferCatalogue.all();
    String protocol = fixture.substring(0, fixture.indexOf('/'));
    own =
        catalogue.stream()
            .filter(s -> s.protocol().equals(protocol))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no sniffer for " + protocol));
    prefix = Buffer.buffer(fixtureBytes(fixture));
    Sniffed facts = SniffDecision.decide(catalogue, prefix, false);
    if (facts == null || !protocol.equals(facts.protocol())) {
      throw new IllegalStateException(fixture + " is not decided as " + protocol + ": " + facts);
    }
  }

  @Benchmark
  public Sniffed decide() {
    return SniffDecision.decide(catalogue, prefix, false);
  }

  @Benchmark
  public SniffResult ownSniffer() {
    return own.sniff(prefix);
  }

  /** Reads a fixture as the sniffer tests do: '#' lines are provenance, the rest is hex. */
  static byte[] fixtureBytes(String name) {
    String resource = "/fixtures/" + name + ".hex";
    try (InputStream in = SnifferBenchmark.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing " + resource);
      }
      String hex =
          new String(in.readAllBytes(), StandardCharsets.US_ASCII)
              .lines()
              .filter(line -> !line.startsWith("#"))
              .collect(Collectors.joining())
              .replaceAll("\\s", "");
      return HexFormat.of().parseHex(hex);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
