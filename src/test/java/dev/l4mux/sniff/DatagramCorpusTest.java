package dev.l4mux.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every datagram fixture (datagrams/capture.sh, RFC vectors) against every datagram sniffer. */
class DatagramCorpusTest {

  private static final List<Integer> TLS_1_3 = List.of(0x0304);

  /** What each fixture must yield (null: no sniffer may claim it). */
  private static final Map<String, Sniffed> EXPECTED =
      Map.of(
          "quic/rfc9001-a2-client-initial", Sniffed.quic("example.com", List.of("alpn"), TLS_1_3, false, "v1"),
          "quic/rfc9369-a2-client-initial", Sniffed.quic("example.com", List.of("alpn"), TLS_1_3, false, "v2"),
          "quic/ngtcp2-v1-sni-h3", Sniffed.quic("a.example.com", List.of("h3"), TLS_1_3, false, "v1"),
          "quic/ngtcp2-v1-two-datagram-hello",
              Sniffed.quic("big.example.com", List.of("h3"), TLS_1_3, false, "v1"),
          "quic/ngtcp2-v2draft", Sniffed.unknown(),
          "wireguard/wireguard-go-initiation", Sniffed.wireguard("sender=a4a394a3"));

  static Stream<DatagramFixture> fixtures() {
    return DatagramFixture.all().stream();
  }

  @Test
  void everyFixtureHasExpectationsAndProvenance() {
    List<String> names = fixtures().map(DatagramFixture::name).sorted().toList();
    assertEquals(EXPECTED.keySet().stream().sorted().toList(), names);
    for (DatagramFixture fixture : DatagramFixture.all()) {
      assertTrue(fixture.producedBy().length() > 10, fixture + " has no provenance");
      assertTrue(!fixture.datagrams().isEmpty(), fixture + " has no datagram");
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void eachFixtureIsClaimedByItsOwnSnifferOnlyWithTheExpectedFacts(DatagramFixture fixture) {
    Sniffed expected = EXPECTED.get(fixture.name());
    List<String> claimants = new ArrayList<>();
    for (DatagramSniffer sniffer : DatagramSnifferCatalogue.all()) {
      SniffResult result = sniffer.sniffFinal(fixture.buffers());
      if (result instanceof SniffResult.Match match) {
        claimants.add(sniffer.protocol());
        assertEquals(expected, match.facts());
      } else {
        assertInstanceOf(SniffResult.NoMatch.class, result, sniffer.protocol());
      }
    }
    assertEquals(
        expected.protocol().equals(Sniffed.UNKNOWN) ? List.of() : List.of(fixture.protocol()),
        claimants);
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void everyStrictPrefixOfTheFlightNeedsMore(DatagramFixture fixture) {
    if (EXPECTED.get(fixture.name()).protocol().equals(Sniffed.UNKNOWN)) {
      return;
    }
    DatagramSniffer owner =
        DatagramSnifferCatalogue.all().stream()
            .filter(s -> s.protocol().equals(fixture.protocol()))
            .findFirst()
            .orElseThrow();
    for (int count = 0; count < fixture.datagrams().size(); count++) {
      SniffResult prefix = owner.sniff(fixture.buffers(count));
      if (count == 0) {
        assertInstanceOf(SniffResult.NoMatch.class, prefix, "no datagram at all");
      } else {
        assertInstanceOf(SniffResult.NeedMore.class, prefix, count + " datagram(s)");
      }
      assertInstanceOf(SniffResult.NoMatch.class, owner.sniffFinal(fixture.buffers(count)));
    }
  }
}
