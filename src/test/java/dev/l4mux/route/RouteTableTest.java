package dev.l4mux.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.config.L4muxConfig;
import dev.l4mux.sniff.Sniffed;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Route choice per CONTRACT section 3, tables built from YAML text as a node would. */
class RouteTableTest {

  private static final String LISTENERS =
      """
      listeners:
        - name: edge
          bind: ['127.0.0.1:10443']
        - name: other
          bind: ['127.0.0.1:10444']
      """;

  private static RouteTable table(String yaml) {
    L4muxConfig config = ConfigParser.parse(ConfigFiles.parseText(yaml));
    return new RouteTable(7, config);
  }

  /** A table with the two standard listeners (fallback reject) and the given routes. */
  private static RouteTable routes(String routesYaml) {
    return table(LISTENERS + "routes:\n" + routesYaml);
  }

  /** One route entry as a YAML flow map line with a unique backend port. */
  private static String route(String name, String rest) {
    int port = 20000 + Math.floorMod(name.hashCode(), 10000);
    String extra = rest.isEmpty() ? "" : ", " + rest;
    return "  - {name: " + name + ", backends: [{address: '127.0.0.1:" + port + "'}]" + extra + "}\n";
  }

  private static RouteRequest request(String listener, Sniffed facts) {
    return new RouteRequest(1, listener, facts, "192.0.2.10", 40000);
  }

  private static RouteRequest request(String listener, Sniffed facts, String source) {
    return new RouteRequest(1, listener, facts, source, 40000);
  }

  private static Sniffed tls(String sni, String... alpn) {
    return Sniffed.tls(sni, List.of(alpn), List.of(0x0304), false);
  }

  private static Sniffed http(String host) {
    return Sniffed.http(host, false, List.of(), "GET /");
  }

  /** The chosen route's name, or "reject:<reason>". */
  private static String chosen(RouteTable table, RouteRequest request) {
    RouteDecision d = table.decide(request);
    if (d instanceof RouteDecision.Forward f) {
      return f.route().name();
    }
    return "reject:" + ((RouteDecision.Reject) d).reason();
  }

  private static String chosen(RouteTable table, Sniffed facts) {
    return chosen(table, request("edge", facts));
  }

  // ---------------------------------------------------------------- specificity

  private static final List<String> TIERED_ROUTES =
      List.of(
          route("catchall", ""),
          route("proto", "match: {protocol: tls}"),
          route("regex", "match: {sni: ['~^[a-z]+\\.example\\.(com|net)$']}"),
          route("wild", "match: {sni: ['*.example.com']}"),
          route("exact", "match: {sni: [www.example.com]}"));

  @Test
  void exactBeatsWildcardBeatsRegexBeatsProtocolBeatsCatchAllInFileOrder() {
    // Least specific first in the file: the most specific must still win.
    RouteTable t = routes(String.join("", TIERED_ROUTES));
    assertTiers(t);
  }

  @Test
  void specificityDoesNotDependOnFileOrder() {
    List<String> reversed = new java.util.ArrayList<>(TIERED_ROUTES);
    java.util.Collections.reverse(reversed);
    assertTiers(routes(String.join("", reversed)));
    // And a shuffled order.
    List<String> shuffled =
        List.of(TIERED_ROUTES.get(2), TIERED_ROUTES.get(0), TIERED_ROUTES.get(4), TIERED_ROUTES.get(1), TIERED_ROUTES.get(3));
    assertTiers(routes(String.join("", shuffled)));
  }

  private static void assertTiers(RouteTable t) {
    assertEquals("exact", chosen(t, tls("www.example.com")));
    assertEquals("wild", chosen(t, tls("api.example.com")));
    assertEquals("wild", chosen(t, tls("a.b.example.com"))); // regex does not match two labels
    assertEquals("regex", chosen(t, tls("abc.example.net")));
    assertEquals("proto", chosen(t, tls("other.net")));
    assertEquals("proto", chosen(t, tls(null)));
    assertEquals("catchall", chosen(t, Sniffed.ssh("SSH-2.0-OpenSSH_9.6")));
    assertEquals("catchall", chosen(t, Sniffed.unknown()));
    assertEquals("catchall", chosen(t, http("www.example.com"))); // sni routes never match HTTP
  }

  @Test
  void regexBeatsProtocolOnlyAndWildcardBeatsRegex() {
    RouteTable t =
        routes(
            route("proto", "match: {protocol: tls}")
                + route("regex", "match: {sni: ['~.*\\.example\\.com']}")
                + route("wild", "match: {sni: ['*.b.example.com']}"));
    assertEquals("regex", chosen(t, tls("x.example.com")));
    assertEquals("wild", chosen(t, tls("a.b.example.com")));
    assertEquals("proto", chosen(t, tls("example.org")));
  }

  @Test
  void protocolOnlyBeatsCatchAllWhicheverComesFirst() {
    RouteTable a = routes(route("any", "") + route("ssh", "match: {protocol: ssh}"));
    RouteTable b = routes(route("ssh", "match: {protocol: ssh}") + route("any", ""));
    for (RouteTable t : List.of(a, b)) {
      assertEquals("ssh", chosen(t, Sniffed.ssh(null)));
      assertEquals("any", chosen(t, tls("x.example")));
      assertEquals("any", chosen(t, Sniffed.unknown()));
    }
  }

  @Test
  void protocolAnyIsACatchAll() {
    RouteTable t = routes(route("any", "match: {protocol: any}") + route("ssh", "match: {protocol: ssh}"));
    assertEquals("ssh", chosen(t, Sniffed.ssh(null)));
    assertEquals("any", chosen(t, Sniffed.unknown()));
    assertEquals("any", chosen(t, http("h")));
  }

  @Test
  void unknownProtocolMatchesUnrecognisedConnectionsOnly() {
    RouteTable t = routes(route("unk", "match: {protocol: unknown}") + route("tls", "match: {protocol: tls}"));
    assertEquals("unk", chosen(t, Sniffed.unknown()));
    assertEquals("tls", chosen(t, tls("a")));
    assertEquals("reject:no_route", chosen(t, Sniffed.ssh(null)));
  }

  @Test
  void tiesGoToTheFirstRouteInTheFile() {
    RouteTable t =
        routes(
            route("exact1", "match: {sni: [a.example.com]}")
                + route("exact2", "match: {sni: [a.example.com, b.example.com]}")
                + route("wild1", "match: {sni: ['*.example.com']}")
                + route("wild2", "match: {sni: ['*.example.com']}")
                + route("regex1", "match: {sni: ['~.*\\.net']}")
                + route("regex2", "match: {sni: ['~.*']}")
                + route("proto1", "match: {protocol: ssh}")
                + route("proto2", "match: {protocol: ssh}")
                + route("all1", "")
                + route("all2", ""));
    assertEquals("exact1", chosen(t, tls("a.example.com")));
    assertEquals("exact2", chosen(t, tls("b.example.com")));
    assertEquals("wild1", chosen(t, tls("c.example.com")));
    assertEquals("regex1", chosen(t, tls("x.net")));
    assertEquals("regex2", chosen(t, tls("x.org")));
    assertEquals("proto1", chosen(t, Sniffed.ssh(null)));
    assertEquals("all1", chosen(t, Sniffed.unknown()));
  }

  @Test
  void theMostSpecificPatternOfARouteCounts() {
    // A route listing an exact name beats a route that only has a wildcard for it, even when the
    // first route also lists a regex that matches.
    RouteTable t =
        routes(
            route("wild", "match: {sni: ['*.example.com']}")
                + route("mixed", "match: {sni: ['~.*', a.example.com]}"));
    assertEquals("mixed", chosen(t, tls("a.example.com")));
    assertEquals("wild", chosen(t, tls("b.example.com")));
    assertEquals("mixed", chosen(t, tls("b.example.org")));
  }

  @Test
  void hostFollowsTheSameOrder() {
    RouteTable t =
        routes(
            route("catchall", "")
                + route("proto", "match: {protocol: http}")
                + route("regex", "match: {host: ['~^[a-z]+\\.example\\.com$']}")
                + route("wild", "match: {host: ['*.example.com']}")
                + route("exact", "match: {host: [www.example.com]}")
                + route("exact2", "match: {host: [www.example.com]}"));
    assertEquals("exact", chosen(t, http("www.example.com")));
    assertEquals("wild", chosen(t, http("x-y.example.com"))); // '-' is outside the regex
    assertEquals("wild", chosen(t, http("api.example.com")));
    assertEquals("proto", chosen(t, http("example.com")));
    assertEquals("proto", chosen(t, http(null)));
    assertEquals("catchall", chosen(t, tls("www.example.com"))); // host routes never match TLS
    RouteTable regexOnly =
        routes(route("proto", "match: {protocol: http}") + route("regex", "match: {host: ['~^api[0-9]+\\.example\\.net$']}"));
    assertEquals("regex", chosen(regexOnly, http("api12.example.net")));
    assertEquals("proto", chosen(regexOnly, http("api.example.net")));
  }

  @ParameterizedTest
  @CsvSource({
    "WWW.Example.COM, www.example.com, true",
    "www.example.com, WWW.EXAMPLE.COM, true",
    "'*.Example.ORG', A.EXAMPLE.org, true",
    "'~^API[0-9]+\\.example\\.net$', api7.EXAMPLE.net, true",
    "'~^api[0-9]+\\.example\\.net$', API7.example.NET, true",
    "www.example.com, www.example.co, false",
  })
  void namesAreCaseInsensitive(String pattern, String name, boolean matches) {
    RouteTable t =
        routes(route("sni", "match: {sni: ['" + pattern + "']}") + route("host", "match: {host: ['" + pattern + "']}"));
    assertEquals(matches ? "sni" : "reject:no_route", chosen(t, tls(name)));
    assertEquals(matches ? "host" : "reject:no_route", chosen(t, http(name)));
  }

  @ParameterizedTest
  @CsvSource({
    "a.example.org, true",
    "a.b.example.org, true",
    "www-1.example.org, true",
    "example.org, false",
    ".example.org, false",
    "aexample.org, false",
    "a.example.org.evil.com, false",
    "example.org.a, false",
    "a.example.orgx, false",
  })
  void wildcardNeedsAtLeastOneMoreLabel(String name, boolean matches) {
    RouteTable t = routes(route("wild", "match: {sni: ['*.example.org']}"));
    assertEquals(matches ? "wild" : "reject:no_route", chosen(t, tls(name)));
  }

  @ParameterizedTest
  @CsvSource({
    "api1.example.net, true",
    "api42.example.net, true",
    "xapi1.example.net, false", // anchored at the start even without ^
    "api1.example.net.evil.com, false", // anchored at the end even without $
    "api.example.net, false",
  })
  void regexIsMatchedAgainstTheWholeName(String name, boolean matches) {
    RouteTable anchored = routes(route("re", "match: {sni: ['~^api[0-9]+\\.example\\.net$']}"));
    RouteTable unanchored = routes(route("re", "match: {sni: ['~api[0-9]+\\.example\\.net']}"));
    assertEquals(matches ? "re" : "reject:no_route", chosen(anchored, tls(name)));
    assertEquals(matches ? "re" : "reject:no_route", chosen(unanchored, tls(name)));
  }

  @Test
  void nameRoutesNeverMatchWithoutAName() {
    RouteTable t =
        routes(
            route("re", "match: {sni: ['~.*']}")
                + route("hre", "match: {host: ['~.*']}")
                + route("wild", "match: {sni: ['*.com']}"));
    assertEquals("reject:no_route", chosen(t, tls(null)));
    assertEquals("reject:no_route", chosen(t, http(null)));
    assertEquals("reject:no_route", chosen(t, Sniffed.unknown()));
  }

  // ---------------------------------------------------------------- match fields

  @Test
  void everyGivenMatchFieldMustHold() {
    RouteTable t =
        routes(
            route(
                "all",
                "match: {protocol: tls, sni: [a.example.com], alpn: [h2], source: ['10.0.0.0/8']}"));
    assertEquals("all", chosen(t, request("edge", tls("a.example.com", "h2"), "10.1.2.3")));
    assertEquals("reject:no_route", chosen(t, request("edge", tls("b.example.com", "h2"), "10.1.2.3")));
    assertEquals("reject:no_route", chosen(t, request("edge", tls("a.example.com", "http/1.1"), "10.1.2.3")));
    assertEquals("reject:no_route", chosen(t, request("edge", tls("a.example.com"), "10.1.2.3")));
    assertEquals("reject:no_route", chosen(t, request("edge", tls("a.example.com", "h2"), "11.1.2.3")));
    Sniffed httpWithAlpn = Sniffed.http("a.example.com", false, List.of("h2"), null);
    assertEquals("reject:no_route", chosen(t, request("edge", httpWithAlpn, "10.1.2.3")));
  }

  @Test
  void sniAndHostBothGivenMustBothHold() {
    RouteTable t = routes(route("both", "match: {sni: [a.example.com], host: [a.example.com]}"));
    assertEquals("reject:no_route", chosen(t, tls("a.example.com")));
    assertEquals("reject:no_route", chosen(t, http("a.example.com")));
    Sniffed both = new Sniffed("http", "a.example.com", List.of(), "a.example.com", false, List.of(), false, null);
    assertEquals("both", chosen(t, both));
  }

  @Test
  void alpnMatchesWhenAnyOfferedProtocolIsListed() {
    RouteTable t =
        routes(route("h2", "match: {alpn: [h2, h2c]}") + route("acme", "match: {alpn: [acme-tls/1]}"));
    assertEquals("h2", chosen(t, tls("x", "http/1.1", "h2")));
    assertEquals("h2", chosen(t, tls("x", "h2")));
    assertEquals("acme", chosen(t, tls("x", "acme-tls/1")));
    assertEquals("reject:no_route", chosen(t, tls("x", "http/1.1")));
    assertEquals("reject:no_route", chosen(t, tls("x")));
    assertEquals("h2", chosen(t, Sniffed.http("x", false, List.of("h2c"), null)));
    // ALPN ids are compared exactly (RFC 7301: byte strings).
    assertEquals("reject:no_route", chosen(t, tls("x", "H2")));
  }

  @Test
  void alpnOrSourceMakesARouteMoreSpecificWithinATier() {
    RouteTable t =
        routes(
            route("sni", "match: {sni: [a.example.com]}")
                + route("sniAlpn", "match: {sni: [a.example.com], alpn: [h2]}"));
    assertEquals("sniAlpn", chosen(t, tls("a.example.com", "h2")));
    assertEquals("sni", chosen(t, tls("a.example.com", "http/1.1")));
    // But the name tier dominates: an exact name alone beats a wildcard with every other field.
    RouteTable u =
        routes(
            route(
                "wildFull",
                "match: {protocol: tls, sni: ['*.example.com'], alpn: [h2], source: ['0.0.0.0/0']}")
                + route("exact", "match: {sni: [a.example.com]}"));
    assertEquals("exact", chosen(u, tls("a.example.com", "h2")));
    assertEquals("wildFull", chosen(u, tls("b.example.com", "h2")));
  }

  @ParameterizedTest
  @CsvSource({
    "10.0.0.0/8, 10.255.1.2, true",
    "10.0.0.0/8, 11.0.0.1, false",
    "192.168.1.0/25, 192.168.1.127, true",
    "192.168.1.0/25, 192.168.1.128, false",
    "192.0.2.7, 192.0.2.7, true",
    "192.0.2.7, 192.0.2.8, false",
    "0.0.0.0/0, 203.0.113.9, true",
    "10.0.0.0/8, ::ffff:10.1.2.3, true",
    "10.0.0.0/8, ::ffff:11.1.2.3, false",
    "10.0.0.0/8, [::ffff:10.1.2.3], true",
    "2001:db8::/32, 2001:db8:1::5, true",
    "2001:db8::/32, 2001:db9::5, false",
    "2001:db8::/32, [2001:db8::1], true",
    "::1/128, ::1, true",
    "::1, 0:0:0:0:0:0:0:1, true",
    "::1/128, 127.0.0.1, false",
    "10.0.0.0/8, 2001:db8::1, false",
    "2001:db8::/32, 10.0.0.1, false",
    // Scoped IPv6 addresses as InetAddress.getHostAddress() (and Vert.x hostAddress()) print them.
    "fe80::/10, fe80:0:0:0:0:0:0:1%1, true",
    "fe80::/10, fe80::1%eth0, true",
    "2001:db8::/32, fe80::1%eth0, false",
    "10.0.0.0/8, not-an-ip, false",
    "10.0.0.0/8, %, false",
    "10.0.0.0/8, '', false",
  })
  void sourceCidrs(String cidr, String source, boolean matches) {
    RouteTable t = routes(route("src", "match: {source: ['" + cidr + "']}"));
    assertEquals(matches ? "src" : "reject:no_route", chosen(t, request("edge", Sniffed.unknown(), source)));
  }

  @Test
  void sourceMatchesIfAnyCidrContainsTheClient() {
    RouteTable t = routes(route("src", "match: {source: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.1']}"));
    for (String ok : List.of("10.9.9.9", "2001:db8::9", "192.0.2.1", "::ffff:192.0.2.1")) {
      assertEquals("src", chosen(t, request("edge", Sniffed.unknown(), ok)), ok);
    }
    assertEquals("reject:no_route", chosen(t, request("edge", Sniffed.unknown(), "192.0.2.2")));
  }

  @Test
  void aNullSourceNeverMatchesASourceRouteAndDoesNotThrow() {
    RouteTable t = routes(route("src", "match: {source: ['0.0.0.0/0']}") + route("any", ""));
    assertEquals("any", chosen(t, request("edge", Sniffed.unknown(), null)));
  }

  @Test
  void routesApplyOnlyToTheirListeners() {
    RouteTable t =
        routes(
            route("edgeOnly", "listeners: [edge], match: {protocol: ssh}")
                + route("otherOnly", "listeners: [other], match: {sni: [a.example.com]}")
                + route("everywhere", "match: {protocol: tls}"));
    assertEquals("edgeOnly", chosen(t, request("edge", Sniffed.ssh(null))));
    assertEquals("reject:no_route", chosen(t, request("other", Sniffed.ssh(null))));
    assertEquals("otherOnly", chosen(t, request("other", tls("a.example.com"))));
    assertEquals("everywhere", chosen(t, request("edge", tls("a.example.com"))));
    assertEquals("everywhere", chosen(t, request("other", tls("b.example.com"))));
  }

  @Test
  void aRouteMayNameSeveralListeners() {
    RouteTable t =
        table(
            LISTENERS
                + """
                  - name: third
                    bind: ['127.0.0.1:10445']
                routes:
                """
                + route("two", "listeners: [edge, third]"));
    assertEquals("two", chosen(t, request("edge", Sniffed.unknown())));
    assertEquals("two", chosen(t, request("third", Sniffed.unknown())));
    assertEquals("reject:no_route", chosen(t, request("other", Sniffed.unknown())));
  }

  // ---------------------------------------------------------------- fallback

  @Test
  void listenerFallbackRouteIsUsedWhenNothingMatches() {
    RouteTable t =
        table(
            """
            listeners:
              - {name: edge, bind: ['127.0.0.1:10443'], fallback: web}
              - {name: other, bind: ['127.0.0.1:10444']}
              - {name: third, bind: ['127.0.0.1:10445'], fallback: reject}
            routes:
            """
                + route("ssh", "match: {protocol: ssh}")
                + route("web", "listeners: [other], match: {protocol: http}"));
    assertEquals("ssh", chosen(t, request("edge", Sniffed.ssh(null))));
    // The fallback route serves edge even though its own match and listeners would not.
    assertEquals("web", chosen(t, request("edge", Sniffed.unknown())));
    assertEquals("web", chosen(t, request("edge", tls("x"))));
    // Omitted fallback means reject; explicit reject too.
    assertEquals("reject:no_route", chosen(t, request("other", Sniffed.unknown())));
    assertEquals("reject:no_route", chosen(t, request("third", Sniffed.unknown())));
    RouteDecision.Forward f = (RouteDecision.Forward) t.decide(request("edge", Sniffed.unknown()));
    assertEquals(1, f.candidates().size());
    assertEquals("web", f.candidates().get(0).route());
  }

  @Test
  void rejectIsTheNoRouteReason() {
    RouteTable t = routes(route("ssh", "match: {protocol: ssh}"));
    RouteDecision d = t.decide(request("edge", Sniffed.unknown()));
    assertEquals(new RouteDecision.Reject("no_route"), d);
    assertEquals("no_route", RouteDecision.NO_ROUTE);
  }

  @Test
  void unknownListenerIsRejected() {
    RouteTable t =
        table(
            """
            listeners:
              - {name: edge, bind: ['127.0.0.1:10443'], fallback: any}
            routes:
            """
                + route("any", ""));
    assertEquals(new RouteDecision.Reject("no_route"), t.decide(request("nope", Sniffed.unknown())));
    assertEquals(new RouteDecision.Reject("no_route"), t.decide(request(null, Sniffed.unknown())));
    assertEquals("any", chosen(t, request("edge", Sniffed.unknown())));
  }

  @Test
  void anEmptyConfigRejectsEverything() {
    RouteTable t = table("");
    assertEquals(new RouteDecision.Reject("no_route"), t.decide(request("edge", Sniffed.unknown())));
    assertTrue(t.backends().isEmpty());
    assertTrue(t.needsSniffing("edge"));
  }

  // ---------------------------------------------------------------- needsSniffing

  @Test
  void needsSniffingIsFalseWhenEveryApplicableRouteNeedsOnlyTheSource() {
    RouteTable t =
        routes(
            route("src", "listeners: [edge], match: {source: ['10.0.0.0/8']}")
                + route("any", "listeners: [edge]")
                + route("emptyMatch", "listeners: [edge], match: {}")
                + route("protoAny", "listeners: [edge], match: {protocol: any}")
                + route("elsewhere", "listeners: [other], match: {protocol: tls}"));
    assertFalse(t.needsSniffing("edge"));
    assertTrue(t.needsSniffing("other"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "protocol: ssh",
        "protocol: unknown",
        "sni: [a.example.com]",
        "alpn: [h2]",
        "host: ['*.example.com']",
        "protocol: tls, source: ['10.0.0.0/8']",
      })
  void needsSniffingIsTrueWhenAnyRouteNeedsFacts(String match) {
    RouteTable t = routes(route("plain", "") + route("facts", "match: {" + match + "}"));
    assertTrue(t.needsSniffing("edge"));
    assertTrue(t.needsSniffing("other"));
  }

  @Test
  void needsSniffingIsTrueWhenNoRouteApplies() {
    RouteTable t = routes(route("edgeOnly", "listeners: [edge]"));
    assertFalse(t.needsSniffing("edge"));
    assertTrue(t.needsSniffing("other"));
    assertTrue(t.needsSniffing("unknown-listener"));
    assertTrue(table(LISTENERS).needsSniffing("edge"));
  }

  // ---------------------------------------------------------------- decisions and backends

  @Test
  void forwardCarriesTheRouteConfigAndEveryBackendOnce() {
    RouteTable t =
        routes(
            """
              - name: web
                backends:
                  - {address: '127.0.0.1:8001'}
                  - {address: '127.0.0.1:8002', weight: 3}
                  - {address: '[::1]:8003'}
                balance: round_robin
            """);
    assertEquals(7, t.version());
    assertNotNull(t.config());
    assertTrue(t.listener("edge").isPresent());
    assertFalse(t.listener("nope").isPresent());
    for (int i = 0; i < 10; i++) {
      RouteDecision d = t.decide(request("edge", Sniffed.unknown()));
      RouteDecision.Forward f = assertInstanceOf(RouteDecision.Forward.class, d);
      assertEquals("web", f.route().name());
      assertEquals(3, f.candidates().size());
      assertEquals(3, new HashSet<>(f.candidates()).size());
      assertEquals(Set.copyOf(t.backends("web")), Set.copyOf(f.candidates()));
    }
    assertEquals(3, t.backends().size());
    assertEquals(List.of(), t.backends("nope"));
    assertEquals(
        List.of("127.0.0.1:8001", "127.0.0.1:8002", "[::1]:8003"),
        t.backends("web").stream().map(b -> b.address().toString()).toList());
    assertEquals(List.of(1, 3, 1), t.backends("web").stream().map(Backend::weight).toList());
  }

  @Test
  void backendsAreSharedAcrossDecisionsOfOneTable() {
    RouteTable t =
        routes(
            """
              - name: lc
                backends: [{address: '127.0.0.1:8001'}, {address: '127.0.0.1:8002'}]
                balance: least_connections
            """);
    Backend first = ((RouteDecision.Forward) t.decide(request("edge", Sniffed.unknown()))).candidates().get(0);
    first.connected();
    for (int i = 0; i < 5; i++) {
      Backend next = ((RouteDecision.Forward) t.decide(request("edge", Sniffed.unknown()))).candidates().get(0);
      assertFalse(first == next, "least_connections must see the first connection");
    }
    assertEquals(
        Set.of("lc"), t.backends().stream().map(Backend::route).collect(Collectors.toSet()));
  }

  @Test
  void tablesAreIndependent() {
    String yaml = LISTENERS + "routes:\n" + route("r", "balance: first");
    RouteTable a = table(yaml);
    RouteTable b = table(yaml);
    a.backends("r").get(0).connectFailed();
    assertFalse(a.backends("r").get(0).isUp());
    assertTrue(b.backends("r").get(0).isUp());
  }
}
