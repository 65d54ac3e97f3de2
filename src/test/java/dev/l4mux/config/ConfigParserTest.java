package dev.l4mux.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigParserTest {

  private static final String BACKEND = "backends: [{address: '127.0.0.1:22'}]";

  private static List<String> errors(String yaml) {
    return ConfigParser.validate(ConfigFiles.parseText(yaml)).stream()
        .map(ConfigError::toString)
        .toList();
  }

  private static L4muxConfig parse(String yaml) {
    return ConfigParser.parse(ConfigFiles.parseText(yaml));
  }

  private static String idle(String value) {
    return "defaults: {timeouts: {idle: " + value + "}}";
  }

  @Test
  void anEmptyConfigIsValidAndAllDefaults() {
    L4muxConfig c = ConfigParser.parse(new JsonObject());
    assertEquals(AdminConfig.DEFAULT, c.admin());
    assertEquals(Defaults.DEFAULT, c.defaults());
    assertEquals(List.of(), c.listeners());
    assertEquals(List.of(), c.routes());
    assertEquals(List.of(), errors("listeners: []\nroutes: []"));
  }

  @Test
  void keepsTheGivenJsonAsSource() {
    JsonObject json = ConfigFiles.parseText("admin: {token: t}\nlisteners: []");
    L4muxConfig c = ConfigParser.parse(json);
    assertEquals(json, c.source());
    c.source().put("admin", "changed");
    assertEquals(json, c.source());
  }

  @ParameterizedTest
  @CsvSource({"250ms, PT0.25S", "5s, PT5S", "10m, PT10M", "1h, PT1H", "2d, PT48H", "365d, PT8760H"})
  void readsDurationsWithUnits(String written, String expected) {
    assertEquals(Duration.parse(expected), parse(idle(written)).defaults().timeouts().idle());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "5         | missing unit in '5' (expected e.g. 250ms, 5s, 10m, 1h, 1d)",
        "'5'       | missing unit in '5' (expected e.g. 250ms, 5s, 10m, 1h, 1d)",
        "1.5s      | invalid duration '1.5s' (expected a whole number and a unit: ms, s, m, h or"
            + " d)",
        "5S        | invalid duration '5S' (expected a whole number and a unit: ms, s, m, h or d)",
        "1h30m     | invalid duration '1h30m' (expected a whole number and a unit: ms, s, m, h or"
            + " d)",
        "'\"\"'      | must not be empty",
        "366d      | duration '366d' is too long (at most 365d)",
        "0s        | must be positive",
        "true      | expected a duration such as 5s, got a boolean",
      })
  void rejectsBadDurations(String written, String message) {
    assertEquals(List.of("defaults.timeouts.idle: " + message), errors(idle(written)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sniff", "proxyHeader", "connect", "idle"})
  void zeroIsRejectedForWaitsButAllowedForDrain(String key) {
    assertEquals(
        List.of("defaults.timeouts." + key + ": must be positive"),
        errors("defaults: {timeouts: {" + key + ": 0ms}}"));
    assertEquals(
        Duration.ZERO, parse("defaults: {timeouts: {drain: 0s}}").defaults().timeouts().drain());
  }

  @Test
  void mergesListenerAndRouteTimeoutsOverTheDefaults() {
    L4muxConfig c =
        parse(
            """
            defaults:
              timeouts: {sniff: 4s, proxyHeader: 2s, connect: 9s, idle: 2h, drain: 20s}
              keepAlive: extended
            listeners:
              - {name: a, bind: ["127.0.0.1:1"], timeouts: {sniff: 1s}}
              - {name: b, bind: ["127.0.0.1:2"]}
            routes:
              - {name: r, timeouts: {idle: 10m, drain: 0s}, keepAlive: immortal, %s}
              - {name: s, %s}
            """
                .formatted(BACKEND, BACKEND));
    Duration s = Duration.ofSeconds(1);
    assertEquals(
        new Timeouts(
            s,
            s.multipliedBy(2),
            s.multipliedBy(9),
            Duration.ofHours(2),
            s.multipliedBy(20),
            Duration.ofSeconds(30)),
        c.listener("a").orElseThrow().timeouts());
    assertEquals(Duration.ofSeconds(4), c.listener("b").orElseThrow().timeouts().sniff());
    RouteConfig r = c.route("r").orElseThrow();
    assertEquals(
        new Timeouts(
            s.multipliedBy(4),
            s.multipliedBy(2),
            s.multipliedBy(9),
            Duration.ofMinutes(10),
            Duration.ZERO,
            Duration.ofSeconds(30)),
        r.timeouts());
    assertEquals(KeepAlive.IMMORTAL, r.keepAlive());
    assertEquals(KeepAlive.EXTENDED, c.route("s").orElseThrow().keepAlive());
    assertEquals(
        Timeouts.DEFAULT.connect(),
        parse("routes: [{name: x, " + BACKEND + "}]").routes().get(0).timeouts().connect());
  }

  @Test
  void listenerTimeoutsAcceptOnlySniffProxyHeaderAndUdpIdle() {
    assertEquals(
        List.of("listeners[0].timeouts.idle: unknown key (expected one of: sniff, proxyHeader, udpIdle)"),
        errors("listeners: [{name: a, bind: ['127.0.0.1:1'], timeouts: {idle: 5m}}]"));
  }

  @Test
  void readsUdpListenersUdpIdleAndTheFlowBound() {
    L4muxConfig c =
        parse(
            """
            defaults: { timeouts: { udpIdle: 45s }, limits: { maxUdpFlows: 5000 } }
            listeners:
              - { name: t, bind: ['127.0.0.1:4433'] }
              - { name: u, bind: ['127.0.0.1:4433'], transport: udp, timeouts: { udpIdle: 2m } }
            routes: [{name: r, timeouts: {udpIdle: 10s}, match: {protocol: quic, sni: [a.example.com]}, %s}]
            """
                .formatted(BACKEND));
    assertEquals(5000, c.defaults().maxUdpFlows());
    assertEquals(Duration.ofSeconds(45), c.listener("t").orElseThrow().timeouts().udpIdle());
    assertEquals(ListenerConfig.Transport.UDP, c.listener("u").orElseThrow().transport());
    assertEquals(Duration.ofMinutes(2), c.listener("u").orElseThrow().timeouts().udpIdle());
    assertEquals(Duration.ofSeconds(10), c.route("r").orElseThrow().timeouts().udpIdle());
    assertEquals(Defaults.DEFAULT_MAX_UDP_FLOWS, parse("listeners: []").defaults().maxUdpFlows());
  }

  @Test
  void twoUdpListenersOnOnePortOverlapButATcpAndAUdpOneDoNot() {
    assertEquals(
        List.of("listeners[1].bind[0]: 127.0.0.1:53 overlaps listeners[0].bind[0] (127.0.0.1:53)"),
        errors("listeners: [{name: a, bind: ['127.0.0.1:53'], transport: udp}, {name: b, bind: ['127.0.0.1:53'], transport: udp}]"));
    assertEquals(
        List.of(), errors("listeners: [{name: a, bind: ['127.0.0.1:53'], transport: udp}, {name: b, bind: ['127.0.0.1:53']}]"));
    assertEquals(
        List.of("defaults.limits.maxUdpFlows: must be between 1 and 10000000, got 0"),
        errors("defaults: { limits: { maxUdpFlows: 0 } }"));
  }

  @Test
  void appliesRouteDefaults() {
    RouteConfig r = parse("routes: [{name: r, " + BACKEND + "}]").routes().get(0);
    assertEquals(List.of(), r.listeners());
    assertEquals(Match.ANY, r.match());
    assertEquals(Balance.ROUND_ROBIN, r.balance());
    assertEquals(1, r.backends().get(0).weight());
    assertEquals(new HostPort("127.0.0.1", 22), r.backends().get(0).address());
    assertEquals(false, r.halfClose());
  }

  @Test
  void readsListenerDefaultsAndTheSingleStringBindShorthand() {
    ListenerConfig l =
        parse("listeners: [{name: edge, bind: '[::1]:8000-8002'}]").listeners().get(0);
    assertEquals(List.of(new BindAddress("::1", 8000, 8002)), l.bind());
    assertEquals(ListenerConfig.Transport.TCP, l.transport());
    assertTrue(l.rejectsUnmatched());
    assertEquals(Timeouts.DEFAULT, l.timeouts());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "example.com:443      | example.com   | 443",
        "EXAMPLE.com.:1       | EXAMPLE.com.  | 1",
        "10.1.2.3:65535       | 10.1.2.3      | 65535",
        "[2001:db8::1]:22     | 2001:db8::1   | 22",
        "[::ffff:10.0.0.1]:22 | ::ffff:10.0.0.1 | 22",
        "svc_a.internal:80    | svc_a.internal | 80",
      })
  void readsBackendAddresses(String written, String host, int port) {
    assertEquals(new HostPort(host, port), ConfigValues.hostPort(written));
  }

  @Test
  void readsBindPortRangesUpTo1024Ports() {
    assertEquals(new BindAddress("0.0.0.0", 1, 1024), ConfigValues.bindAddress("0.0.0.0:1-1024"));
    assertEquals(new BindAddress("0.0.0.0", 0, 0), ConfigValues.bindAddress("0.0.0.0:0"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ConfigValues.bindAddress("h:1-1025"));
    assertEquals("port range 1-1025 spans 1025 ports (at most 1024) in 'h:1-1025'", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"localhost:9900", "127.0.0.1:9900", "127.8.9.10:1", "[::1]:9900", "127.0.0.1:0"})
  void aLoopbackAdminNeedsNoToken(String listen) {
    assertEquals(List.of(), errors("admin: {listen: '" + listen + "'}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0:9900", "[::]:9900", "10.0.0.1:9900", "admin.example.com:9900"})
  void aNonLoopbackAdminNeedsAToken(String listen) {
    assertEquals(
        List.of("admin.token: required when admin.listen is not loopback"),
        errors("admin: {listen: '" + listen + "'}"));
    assertEquals("t", parse("admin: {listen: '" + listen + "', token: t}").admin().token());
  }

  @Test
  void reportsCidrAndPatternErrorsAtTheirIndex() {
    assertEquals(
        List.of(
            "routes[0].match.sni[1]: invalid regex: Unclosed character class near index 1",
            "routes[0].match.source[0]: host bits set in '10.0.0.1/8' (network address expected)"),
        errors(
            "routes: [{name: r, match: {sni: [a.com, '~[a'], source: [10.0.0.1/8]}, "
                + BACKEND
                + "}]"));
    Match m =
        parse(
                "routes: [{name: r, match: {protocol: any, sni: ['*.A.com'], source: ['::1']}, "
                    + BACKEND
                    + "}]")
            .routes()
            .get(0)
            .match();
    assertNull(m.protocol());
    assertEquals(NamePattern.Kind.WILDCARD, m.sni().get(0).kind());
    assertEquals(128, m.source().get(0).prefixLength());
  }

  static Stream<Arguments> unsupported() {
    return Stream.of(Arguments.of(
        "listeners: [{name: a, bind: ['127.0.0.1:1'], transport: udp}]\n"
            + route("tls: {mode: terminate, acme: {directory: 'https://acme.example.com/dir'}}, match: {sni: [a.example.com]}"),
        "routes[0].tls"));
  }

  @Test
  void udpListenersAndTheRoutesTheyUseTakeAccessListsAndLimits() {
    L4muxConfig config = parse(
        "listeners: [{name: a, bind: ['127.0.0.1:1'], transport: udp, access: {deny: [203.0.113.0/24]},"
            + " limits: {maxConnections: 5, connectionRatePerIp: 2/s}}]\n"
            + route("access: {allow: [198.51.100.0/24]}, limits: {maxConnectionsPerIp: 3, connectionRate: 600/m}"));
    ListenerConfig listener = config.listeners().get(0);
    assertEquals(1, listener.access().deny().size());
    assertEquals(5, listener.limits().maxConnections());
    RouteConfig route = config.routes().get(0);
    assertEquals(1, route.access().allow().size());
    assertEquals(3, route.limits().maxConnectionsPerIp());
  }

  @Test
  void udpListenersTrustPeersAndRoutesSendV2OnTheFirstOrEveryDatagram() {
    L4muxConfig config = parse(
        "listeners: [{name: a, bind: ['127.0.0.1:1'], transport: udp, proxyProtocol: {trusted: [10.0.0.0/8], required: true}}]\n"
            + "routes: [{name: first, proxyProtocol: {send: v2}, " + BACKEND + "},"
            + " {name: every, proxyProtocol: {send: v2, datagrams: every}, " + BACKEND + "}]");
    assertTrue(config.listeners().get(0).proxyProtocol().required());
    assertEquals(ProxyProtocolSend.Datagrams.FIRST, config.routes().get(0).proxyProtocol().datagrams());
    assertEquals(ProxyProtocolSend.Datagrams.EVERY, config.routes().get(1).proxyProtocol().datagrams());
  }

  private static String route(String extra) {
    return "routes: [{name: r, " + extra + ", " + BACKEND + "}]";
  }

  @ParameterizedTest
  @MethodSource("unsupported")
  void rejectsEachUnsupportedFeatureAtItsPath(String yaml, String path) {
    List<String> unsupported =
        errors(yaml).stream().filter(e -> e.startsWith(path + ": not supported yet")).toList();
    assertEquals(1, unsupported.size(), () -> String.join("\n", errors(yaml)));
    List<String> others =
        errors(yaml).stream().filter(e -> !e.contains(": not supported yet")).toList();
    assertEquals(List.of(), others);
  }

  @Test
  void theUnsupportedTableIsCoveredByTheTests() {
    // Empty since ACME is built; the other not-supported cases are the UDP ones checked in ConfigParser.
    assertEquals(
        0, ConfigParser.NOT_SUPPORTED_YET.size(), "add a test case for each line");
  }

  @Test
  void supportedValuesOfPartlySupportedKeysPass() {
    assertEquals(List.of(), errors(route("tls: {mode: passthrough}, proxyProtocol: {send: none}")));
    assertEquals(
        List.of(), errors("listeners: [{name: a, bind: ['127.0.0.1:1'], transport: tcp}]"));
  }

  @Test
  void namesTheExpectedKeysOfAnUnknownOne() {
    assertEquals(
        List.of(
            "routes[0].matchh: unknown key (expected one of: name, listeners, match, backends,"
                + " balance, tls, proxyProtocol, access, limits, timeouts, keepAlive, halfClose,"
                + " sticky, retries, health, outlier, onRemove, onBackendDown)"),
        errors(route("matchh: {protocol: ssh}")));
  }

  @Test
  void reportsDuplicateNamesAtTheLaterOne() {
    assertEquals(
        List.of(
            "listeners[1].name: duplicate listener name 'a' (first at listeners[0].name)",
            "routes[1].name: duplicate route name 'r' (first at routes[0].name)"),
        errors(
            """
            listeners: [{name: a, bind: ['127.0.0.1:1']}, {name: a, bind: ['127.0.0.1:2']}]
            routes: [{name: r, %s}, {name: r, %s}]
            """
                .formatted(BACKEND, BACKEND)));
  }

  @Test
  void aFallbackMustNameAnExistingRoute() {
    String yaml =
        "listeners: [{name: a, bind: ['127.0.0.1:1'], fallback: %s}]\nroutes: [{name: web, %s}]";
    assertEquals(
        List.of("listeners[0].fallback: no route named 'wbe' (expected reject or a route name)"),
        errors(yaml.formatted("wbe", BACKEND)));
    assertEquals("web", parse(yaml.formatted("web", BACKEND)).listeners().get(0).fallback());
  }

  @Test
  void routeListenersMustExist() {
    assertEquals(
        List.of("routes[0].listeners[0]: no listener named 'b'"),
        errors("listeners: [{name: a, bind: ['127.0.0.1:1']}]\n" + route("listeners: [b]")));
  }

  @Test
  void overlappingBindsAreReportedAtTheLaterAddress() {
    assertEquals(
        List.of(
            "listeners[1].bind[0]: 127.0.0.1:90-95 overlaps listeners[0].bind[0] (0.0.0.0:80-90)"),
        errors(
            "listeners: [{name: a, bind: ['0.0.0.0:80-90']}, {name: b, bind: ['127.0.0.1:90-95',"
                + " '0.0.0.0:96']}]"));
    assertEquals(
        List.of(),
        errors(
            "listeners: [{name: a, bind: ['0.0.0.0:80', '127.0.0.1:0']}, {name: b, bind:"
                + " ['[::]:80', '127.0.0.1:0']}]"));
  }

  @Test
  void errorsComeInDocumentOrderWhateverOrderTheyWereFoundIn() {
    // The fallback reference is checked against routes that appear later in the file, yet its
    // error still precedes those of the routes.
    List<String> errors =
        errors(
            """
            routes: [{name: r}]
            listeners: [{name: a, bind: ['127.0.0.1:1'], fallback: x}]
            admin: {listen: 'nope'}
            """);
    assertEquals(
        List.of(
            "routes[0].backends: required",
            "listeners[0].fallback: no route named 'x' (expected reject or a route name)",
            "admin.listen: missing port in 'nope' (expected host:port)"),
        errors);
  }

  @Test
  void theExceptionCarriesEveryError() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigParser.parse(
                    ConfigFiles.parseText("admin: 1\ndefaults: 2\nlisteners: 3\nroutes: 4")));
    assertEquals(
        Set.of("admin", "defaults", "listeners", "routes"),
        e.errors().stream().map(ConfigError::path).collect(Collectors.toSet()));
    assertEquals(4, e.getMessage().lines().count());
  }

  @Test
  void aNullValueReadsAsAbsent() {
    assertEquals(
        List.of("listeners[0].bind: required"),
        errors("listeners:\n  - name: a\n    bind:\nroutes:"));
  }
}
