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
    assertEquals(new BackendPolicy(Duration.ofSeconds(90), 0, null, new Outlier(3, Duration.ofSeconds(10))), r.backendPolicy());
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
    assertTrue(
        errors("routes: [{name: r, onRemove: wait, " + BACKEND + "}]")
            .contains("routes[0].onRemove: expected one of drain, keep, close, got 'wait'"));
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
}
