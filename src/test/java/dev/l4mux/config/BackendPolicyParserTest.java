package dev.l4mux.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading {@code sticky}, {@code retries}, {@code outlier} and {@code defaults.limits.perIpTableSize}. */
class BackendPolicyParserTest {

  private static final String BACKEND = "backends: [{address: '127.0.0.1:22'}]";

  private static List<String> errors(String yaml) {
    return ConfigParser.validate(ConfigFiles.parseText(yaml)).stream().map(ConfigError::toString).toList();
  }

  private static RouteConfig route(String extra) {
    return ConfigParser.parse(ConfigFiles.parseText("routes: [{name: r, " + extra + BACKEND + "}]")).routes().get(0);
  }

  @Test
  void defaultsAreTwoRetriesThirtyMinuteStickinessNoHealthNoOutlier() {
    BackendPolicy p = route("").backendPolicy();
    assertEquals(BackendPolicy.DEFAULT, p);
    assertEquals(2, p.retries());
    assertEquals(Duration.ofMinutes(30), p.stickyTtl());
    assertNull(p.health());
    assertNull(p.outlier());
  }

  @Test
  void readsStickyRetriesAndOutlier() {
    RouteConfig r = route("balance: sticky_source, sticky: {ttl: 90s}, retries: 0, outlier: {consecutiveFailures: 3, ejection: 10s}, ");
    assertEquals(Balance.STICKY_SOURCE, r.balance());
    assertEquals(new BackendPolicy(Duration.ofSeconds(90), 0, null, new Outlier(3, Duration.ofSeconds(10)), BackendPolicy.OnRemove.KEEP, false), r.backendPolicy());
    assertEquals(new Outlier(5, Duration.ofSeconds(30)), route("outlier: {}, ").backendPolicy().outlier());
    assertEquals(Balance.POWER_OF_TWO, route("balance: power_of_two, ").balance());
  }

  @Test
  void namesEachBadValueByItsPath() {
    assertEquals(
        List.of(
            "routes[0].sticky.ttl: must be positive",
            "routes[0].retries: must be between 0 and 16, got 17",
            "routes[0].outlier.consecutiveFailures: must be between 1 and 100, got 0",
            "routes[0].outlier.ejection: missing unit in '30' (expected e.g. 250ms, 5s, 10m, 1h, 1d)"),
        errors("routes: [{name: r, sticky: {ttl: 0s}, retries: 17, outlier: {consecutiveFailures: 0, ejection: 30}, " + BACKEND + "}]"));
    assertEquals(
        List.of("routes[0].sticky.time: unknown key (expected one of: ttl)"),
        errors("routes: [{name: r, sticky: {time: 1m}, " + BACKEND + "}]"));
    assertEquals(
        List.of("routes[0].onRemove: expected one of drain, keep, close, got 'wait'",
            "routes[0].onBackendDown: expected one of keep, close, got 'drain'"),
        errors("routes: [{name: r, onRemove: wait, onBackendDown: drain, " + BACKEND + "}]"));
    assertEquals(new BackendPolicy(Duration.ofMinutes(30), 2, null, null, BackendPolicy.OnRemove.DRAIN, true),
        route("onRemove: drain, onBackendDown: close, ").backendPolicy());
  }

  @Test
  void readsThePerIpTableBound() {
    L4muxConfig c = ConfigParser.parse(ConfigFiles.parseText("defaults: {limits: {perIpTableSize: 5000}}"));
    assertEquals(5000, c.defaults().perIpTableSize());
    assertEquals(Defaults.DEFAULT_PER_IP_TABLE_SIZE, ConfigParser.parse(ConfigFiles.parseText("routes: []")).defaults().perIpTableSize());
    assertEquals(
        List.of("defaults.limits.perIpTableSize: must be between 1 and 10000000, got 0"),
        errors("defaults: {limits: {perIpTableSize: 0}}"));
    assertEquals(
        List.of("defaults.limits.size: unknown key (expected one of: maxConnections, maxUdpFlows, perIpTableSize)"),
        errors("defaults: {limits: {size: 1}}"));
  }

  @Test
  void readsEachHealthCheckKind() {
    HealthCheck tcp = route("health: {}, ").backendPolicy().health();
    assertEquals(new HealthCheck(HealthCheck.Kind.TCP, Duration.ofSeconds(5), Duration.ofSeconds(2), 2, 3, null, "", null, "/", null, 200, 399), tcp);
    HealthCheck tls = route("health: {kind: tls, sni: api.example.com, interval: 1s, timeout: 500ms, rise: 1, fall: 2}, ").backendPolicy().health();
    assertEquals(new HealthCheck(HealthCheck.Kind.TLS, Duration.ofSeconds(1), Duration.ofMillis(500), 1, 2, "api.example.com", "", null, "/", null, 200, 399), tls);
    HealthCheck redis = route("health: {kind: send_expect, send: \"PING\\r\\n\", expect: \"~^\\\\+PONG\"}, ").backendPolicy().health();
    assertEquals("PING\r\n", redis.send());
    assertEquals("~^\\+PONG", redis.expect());
    assertEquals("\u0000\u00ff", route("health: {kind: send_expect, sendHex: 00ff, expect: x}, ").backendPolicy().health().send());
    HealthCheck http = route("health: {kind: http, path: /healthz, host: api.example.com, status: 200-204}, ").backendPolicy().health();
    assertEquals(List.of("/healthz", "api.example.com", 200, 204), List.of(http.path(), http.host(), http.statusLow(), http.statusHigh()));
    assertEquals(204, route("health: {kind: http, status: '204'}, ").backendPolicy().health().statusHigh());
  }

  @Test
  void namesEachBadHealthKeyByItsPath() {
    assertEquals(
        List.of(
            "routes[0].health.kind: expected one of tcp, tls, send_expect, http, got 'icmp'"),
        errors("routes: [{name: r, health: {kind: icmp}, " + BACKEND + "}]"));
    assertEquals(
        List.of(
            "routes[0].health.timeout: must not exceed interval (1000ms)",
            "routes[0].health.sni: only used with kind tls or http (http over TLS)",
            "routes[0].health.path: only used with kind http"),
        errors("routes: [{name: r, health: {interval: 1s, timeout: 2s, sni: a.test, path: /}, " + BACKEND + "}]"));
    assertEquals(
        List.of(
            "routes[0].health.expect: invalid regex: Unclosed group",
            "routes[0].health.status: status range '399-200' ends before it starts"),
        errors("routes: [{name: r, health: {kind: send_expect, expect: '~(', status: 399-200}, " + BACKEND + "}]")
            .stream().filter(e -> !e.contains("only used with")).toList());
    assertEquals(
        List.of("routes[0].health.expect: required with kind send_expect"),
        errors("routes: [{name: r, health: {kind: send_expect, send: x}, " + BACKEND + "}]"));
    assertEquals(
        List.of("routes[0].health.sendHex: invalid hex 'zz' (expected pairs of hex digits)"),
        errors("routes: [{name: r, health: {kind: send_expect, sendHex: zz, expect: x}, " + BACKEND + "}]"));
    assertEquals(
        List.of("routes[0].health.path: invalid path 'healthz' (expected /..., no spaces or control bytes)",
            "routes[0].health.status: invalid status '2xx' (expected e.g. 200 or 200-399)"),
        errors("routes: [{name: r, health: {kind: http, path: healthz, status: 2xx}, " + BACKEND + "}]"));
  }
}
