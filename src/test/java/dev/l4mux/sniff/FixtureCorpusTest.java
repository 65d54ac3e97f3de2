package dev.l4mux.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every captured fixture against every sniffer (fixtures/capture.sh says how each was made). */
class FixtureCorpusTest {

  private static final int TLS_1_3 = 0x0304;
  private static final int TLS_1_2 = 0x0303;

  /** OpenSSL 3.0 (also under curl) offers TLS 1.3 down to 1.0 in supported_versions. */
  private static final List<Integer> OPENSSL_VERSIONS = List.of(TLS_1_3, TLS_1_2, 0x0302, 0x0301);

  private static final String TLS_SNI = "a.example.com";
  private static final List<String> H2_HTTP11 = List.of("h2", "http/1.1");

  /** What each fixture must yield; a new fixture without an entry fails the corpus test. */
  private static final Map<String, Sniffed> EXPECTED =
      Map.of(
          "tls/openssl-tls13-sni-alpn", Sniffed.tls(TLS_SNI, H2_HTTP11, OPENSSL_VERSIONS, false),
          "tls/openssl-tls12-sni-alpn", Sniffed.tls(TLS_SNI, H2_HTTP11, List.of(TLS_1_2), false),
          "tls/openssl-tls13-noservername", Sniffed.tls(null, List.of(), OPENSSL_VERSIONS, false),
          "tls/curl-https", Sniffed.tls(TLS_SNI, H2_HTTP11, OPENSSL_VERSIONS, false),
          "http/curl-get-host", Sniffed.http("www.example.com", false, List.of(), "GET /"),
          "http/curl-websocket-upgrade",
              Sniffed.http("ws.example.com", true, List.of(), "GET /chat"),
          "http/curl-h2c-upgrade", Sniffed.http("h2c.example.com", false, List.of("h2c"), "GET /"),
          "http/curl-h2c-prior-knowledge",
              Sniffed.http(null, false, List.of("h2c"), "PRI * HTTP/2.0"),
          "ssh/openssh-client", Sniffed.ssh("OpenSSH_9.2p1"));

  static Stream<Fixture> fixtures() {
    return Fixture.all().stream();
  }

  static Stream<Fixture> tlsFixtures() {
    return fixtures().filter(f -> f.protocol().equals("tls"));
  }

  private static Sniffer owner(Fixture fixture) {
    return SnifferCatalogue.all().stream()
        .filter(s -> s.protocol().equals(fixture.protocol()))
        .findFirst()
        .orElseThrow();
  }

  /**
   * The shortest prefix that decides: the whole first flight, except the h2c preface (24 bytes).
   */
  private static int decisiveLength(Fixture fixture) {
    return fixture.name().equals("http/curl-h2c-prior-knowledge")
        ? HttpSniffer.H2_PREFACE.length
        : fixture.bytes().length;
  }

  @Test
  void corpusCoversEveryProtocolAndEveryFixtureHasExpectations() {
    List<String> names = fixtures().map(Fixture::name).toList();
    assertEquals(EXPECTED.keySet().stream().sorted().toList(), names.stream().sorted().toList());
    for (Fixture fixture : Fixture.all()) {
      assertTrue(fixture.producedBy().length() > 10, fixture + " has no provenance");
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void wholeFixtureMatchesWithTheExpectedFacts(Fixture fixture) {
    assertEquals(
        SniffResult.match(EXPECTED.get(fixture.name())), owner(fixture).sniff(fixture.buffer()));
    assertEquals(
        EXPECTED.get(fixture.name()),
        SniffDecision.decide(SnifferCatalogue.all(), fixture.buffer(), false));
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void eachFixtureIsClaimedByExactlyOneSniffer(Fixture fixture) {
    List<String> claimants = new ArrayList<>();
    for (Sniffer sniffer : SnifferCatalogue.all()) {
      SniffResult result = sniffer.sniffFinal(fixture.buffer());
      if (result instanceof SniffResult.Match) {
        claimants.add(sniffer.protocol());
      } else {
        assertInstanceOf(SniffResult.NoMatch.class, result, sniffer.protocol());
      }
    }
    assertEquals(List.of(fixture.protocol()), claimants);
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void needsMoreUntilTheDecisiveByteThenKeepsItsDecision(Fixture fixture) {
    Sniffer owner = owner(fixture);
    int decisive = decisiveLength(fixture);
    for (int length = 0; length < decisive; length++) {
      Buffer prefix = fixture.prefix(length);
      assertInstanceOf(SniffResult.NeedMore.class, owner.sniff(prefix), "prefix " + length);
      assertNull(SniffDecision.decide(SnifferCatalogue.all(), prefix, false), "prefix " + length);
    }
    for (int length = decisive; length <= fixture.bytes().length; length++) {
      assertEquals(
          SniffResult.match(EXPECTED.get(fixture.name())), owner.sniff(fixture.prefix(length)));
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void otherSniffersRuleThemselvesOutWithinEightBytes(Fixture fixture) {
    for (Sniffer sniffer : SnifferCatalogue.all()) {
      if (!sniffer.protocol().equals(fixture.protocol())) {
        assertInstanceOf(
            SniffResult.NoMatch.class, sniffer.sniff(fixture.prefix(8)), sniffer.protocol());
      }
    }
  }

  @ParameterizedTest
  @MethodSource("tlsFixtures")
  void tlsFixtureRefragmentedIntoTinyRecordsMatchesTheSameFacts(Fixture fixture) {
    for (int fragmentSize : new int[] {1, 2, 3, 50, 16384}) {
      byte[] records = TlsRecords.refragment(fixture.bytes(), fragmentSize);
      assertEquals(
          SniffResult.match(EXPECTED.get(fixture.name())),
          new TlsSniffer().sniff(Buffer.buffer(records)),
          "fragment size " + fragmentSize);
      assertInstanceOf(
          SniffResult.NeedMore.class,
          new TlsSniffer().sniff(Buffer.buffer(records).getBuffer(0, records.length - 1)));
    }
  }

  @ParameterizedTest
  @MethodSource("tlsFixtures")
  void truncatedClientHelloAtTheCapStillMatchesTlsWithoutFacts(Fixture fixture) {
    Sniffed bare = Sniffed.tls(null, List.of(), List.of(), false);
    for (int length : new int[] {6, 40, fixture.bytes().length - 1}) {
      assertEquals(SniffResult.match(bare), new TlsSniffer().sniffFinal(fixture.prefix(length)));
    }
    for (int length = 0; length < 6; length++) {
      assertInstanceOf(
          SniffResult.NoMatch.class, new TlsSniffer().sniffFinal(fixture.prefix(length)));
    }
  }

  @Test
  void truncatedHttpRequestMatchesAtTheCapOnlyOnceTheRequestLineIsComplete() {
    Fixture fixture = Fixture.named("http/curl-websocket-upgrade");
    HttpSniffer http = new HttpSniffer();
    String text = new String(fixture.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    int requestLineEnd = text.indexOf("\r\n") + 2;
    int hostLineEnd = text.indexOf("\r\n", requestLineEnd) + 2;
    for (int length = 0; length < requestLineEnd; length++) {
      assertInstanceOf(
          SniffResult.NoMatch.class, http.sniffFinal(fixture.prefix(length)), "prefix " + length);
    }
    assertEquals(
        SniffResult.match(Sniffed.http(null, false, List.of(), "GET /chat")),
        http.sniffFinal(fixture.prefix(requestLineEnd)));
    assertEquals(
        SniffResult.match(Sniffed.http(null, false, List.of(), "GET /chat")),
        http.sniffFinal(fixture.prefix(hostLineEnd - 1)));
    assertEquals(
        SniffResult.match(Sniffed.http("ws.example.com", false, List.of(), "GET /chat")),
        http.sniffFinal(fixture.prefix(hostLineEnd)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"ssh/openssh-client", "http/curl-h2c-prior-knowledge"})
  void truncatedBeforeTheDecisiveByteIsNoMatchAtTheCap(String name) {
    Fixture fixture = Fixture.named(name);
    for (int length = 0; length < decisiveLength(fixture); length++) {
      assertInstanceOf(
          SniffResult.NoMatch.class, owner(fixture).sniffFinal(fixture.prefix(length)));
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void garbageAfterTheFirstByteIsNoMatch(Fixture fixture) {
    byte[] bytes = fixture.bytes().clone();
    for (int i = 1; i < Math.min(bytes.length, 12); i++) {
      bytes[i] = 0; // NUL is valid nowhere in these headers
    }
    for (Sniffer sniffer : SnifferCatalogue.all()) {
      assertInstanceOf(
          SniffResult.NoMatch.class, sniffer.sniffFinal(Buffer.buffer(bytes)), sniffer.protocol());
    }
  }
}
