package dev.l4mux.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.config.Balance;
import dev.l4mux.config.BackendConfig;
import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.config.HostPort;
import dev.l4mux.config.Outlier;
import dev.l4mux.sniff.Sniffed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The issue 12 acceptance properties of balancing: weights within 3% over 10,000 decisions,
 * consistent hashing that moves only a removed backend's keys, stickiness, eligibility and the
 * retry bound.
 */
class BalancingPolicyTest {

  private static final int[] WEIGHTS = {5, 3, 2};

  private static List<Backend> backends(int... weights) {
    List<Backend> out = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      out.add(new Backend("r", new BackendConfig(new HostPort("127.0.0.1", 8000 + i), weights[i])));
    }
    return out;
  }

  private static List<Backend> withOutlier(int count, Outlier outlier) {
    List<Backend> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new Backend("r", new BackendConfig(new HostPort("127.0.0.1", 8000 + i), 1), new BackendState(), null, outlier));
    }
    return out;
  }

  // ---------------------------------------------------------------- weights

  @ParameterizedTest
  @EnumSource(value = Balance.class, names = {"ROUND_ROBIN", "RANDOM", "POWER_OF_TWO", "LEAST_CONNECTIONS"})
  void tenThousandDecisionsFollowTheWeightsWithinThreePercent(Balance policy) {
    List<Backend> all = backends(WEIGHTS);
    Balancer b = new Balancer(policy, all);
    boolean holdsConnections = policy == Balance.POWER_OF_TWO || policy == Balance.LEAST_CONNECTIONS;
    Map<Backend, Integer> counts = new HashMap<>();
    int decisions = 10_000;
    for (int i = 0; i < decisions; i++) {
      Backend pick = b.order("192.0.2.1", 1000 + i).get(0);
      if (holdsConnections) {
        pick.connected(); // connections stay open, so the load-aware policies must follow weights
      }
      counts.merge(pick, 1, Integer::sum);
    }
    for (int i = 0; i < all.size(); i++) {
      double share = counts.getOrDefault(all.get(i), 0) / (double) decisions;
      assertEquals(WEIGHTS[i] / 10.0, share, 0.03, policy + " backend " + i + ": " + counts);
    }
  }

  @Test
  void powerOfTwoPrefersTheLessLoadedOfItsTwoPicks() {
    List<Backend> all = backends(1, 1);
    Balancer b = new Balancer(Balance.POWER_OF_TWO, all);
    for (int i = 0; i < 5; i++) {
      all.get(0).connected();
    }
    for (int i = 0; i < 100; i++) {
      assertSame(all.get(1), b.order("h", 1).get(0), "with two backends both are always drawn");
    }
  }

  // ---------------------------------------------------------------- consistent hashing

  @ParameterizedTest
  @EnumSource(value = Balance.class, names = {"SOURCE_IP", "SOURCE_SOCKET"})
  void removingOneOfFiveBackendsMovesOnlyItsKeys(Balance policy) {
    List<Backend> five = backends(1, 1, 1, 1, 1);
    List<Backend> four = new ArrayList<>(five);
    Backend removed = four.remove(2);
    Balancer before = new Balancer(policy, five);
    Balancer after = new Balancer(policy, four);
    int keys = 10_000;
    int moved = 0;
    Map<Backend, Integer> spread = new HashMap<>();
    for (int i = 0; i < keys; i++) {
      String ip = "10." + (i >> 8 & 255) + "." + (i & 255) + ".7";
      int port = 30000 + i % 20000;
      Backend was = before.order(ip, port).get(0);
      Backend now = after.order(ip, port).get(0);
      spread.merge(was, 1, Integer::sum);
      if (was != now) {
        moved++;
        assertSame(removed, was, "key " + ip + ":" + port + " moved off a backend that stayed");
      }
    }
    assertTrue(moved <= keys / 5 + keys * 2 / 100, "moved " + moved + " of " + keys);
    assertEquals(spread.getOrDefault(removed, 0), moved, "exactly the removed backend's keys move");
    for (Backend x : five) {
      // 160 points per backend: each share within a few percent of a fifth.
      assertEquals(0.2, spread.getOrDefault(x, 0) / (double) keys, 0.05, spread.toString());
    }
  }

  @Test
  void aBackendThatIsNotEligibleLosesOnlyItsOwnKeys() {
    List<Backend> all = withOutlier(5, new Outlier(1, Duration.ofHours(1)));
    Balancer b = new Balancer(Balance.SOURCE_IP, all);
    Map<String, Backend> before = new HashMap<>();
    for (int i = 0; i < 2000; i++) {
      before.put("10.9." + (i >> 8) + "." + (i & 255), b.order("10.9." + (i >> 8) + "." + (i & 255), 1).get(0));
    }
    Backend ejected = all.get(3);
    ejected.connectFailed();
    assertFalse(ejected.isEligible());
    for (Map.Entry<String, Backend> e : before.entrySet()) {
      Backend now = b.order(e.getKey(), 1).get(0);
      if (e.getValue() != ejected) {
        assertSame(e.getValue(), now, e.getKey());
      } else {
        assertNotEquals(ejected, now);
      }
    }
  }

  @Test
  void weightsGiveRingShares() {
    List<Backend> all = backends(3, 1);
    Balancer b = new Balancer(Balance.SOURCE_IP, all);
    int first = 0;
    for (int i = 0; i < 10_000; i++) {
      first += b.order("172.16." + (i >> 8) + "." + (i & 255), 1).get(0) == all.get(0) ? 1 : 0;
    }
    assertEquals(0.75, first / 10_000.0, 0.05);
  }

  // ---------------------------------------------------------------- sticky_source

  @Test
  void stickySourceKeepsAClientOnItsBackendAcrossConnections() {
    List<Backend> all = backends(1, 1, 1);
    Balancer b = new Balancer(Balance.STICKY_SOURCE, all, 3, new AffinityTable(1000, Duration.ofMinutes(5).toNanos()));
    Map<String, Backend> first = new HashMap<>();
    Map<Backend, Integer> spread = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      String client = "192.0.2." + i;
      Backend pick = b.order(client, 40000 + i).get(0);
      first.put(client, pick);
      spread.merge(pick, 1, Integer::sum);
    }
    assertEquals(Map.of(all.get(0), 10, all.get(1), 10, all.get(2), 10), spread, "new clients are spread by weight");
    for (int round = 0; round < 5; round++) {
      for (Map.Entry<String, Backend> e : first.entrySet()) {
        assertSame(e.getValue(), b.order(e.getKey(), 50000 + round).get(0), "reconnection of " + e.getKey());
      }
    }
  }

  @Test
  void stickySourceMovesAClientWhoseBackendFailed() {
    List<Backend> all = backends(1, 1);
    Balancer b = new Balancer(Balance.STICKY_SOURCE, all, 2, new AffinityTable(10, Duration.ofMinutes(5).toNanos()));
    Backend pinned = b.order("192.0.2.9", 1).get(0);
    pinned.connectFailed();
    Backend moved = b.order("192.0.2.9", 2).get(0);
    assertNotEquals(pinned, moved);
    pinned.connected();
    assertSame(moved, b.order("192.0.2.9", 3).get(0), "and stays on its new backend");
  }

  @Test
  void affinityLapsesAfterTheTtlAndIsBounded() {
    HostPort a = new HostPort("127.0.0.1", 1);
    AffinityTable t = new AffinityTable(1000, 100);
    t.put("c", a, 0);
    assertEquals(a, t.get("c", 99));
    t.put("c", a, 99); // a new connection refreshes it
    assertEquals(a, t.get("c", 198));
    assertNull(t.get("c", 199));
    for (int i = 0; i < 100_000; i++) {
      t.put("10." + (i >> 16) + "." + (i >> 8 & 255) + "." + (i & 255), a, 0);
    }
    assertEquals(1000, t.size());
    assertEquals(a, t.get("10.1.134.159", 1), "the most recent clients stay"); // i = 99,999
    assertNull(t.get("10.0.0.0", 1), "the least recently used went first");
  }

  // ---------------------------------------------------------------- eligibility, retries

  @ParameterizedTest
  @EnumSource(Balance.class)
  void onlyEligibleBackendsAreCandidatesAndNoneMeansEmpty(Balance policy) {
    List<Backend> all = withOutlier(3, new Outlier(2, Duration.ofHours(1)));
    Balancer b = new Balancer(policy, all);
    Backend out = all.get(1);
    out.connectFailed();
    assertTrue(out.isEligible(), "one failure of two");
    out.connectFailed();
    assertFalse(out.isEligible());
    for (int i = 0; i < 50; i++) {
      List<Backend> ordered = b.order("192.0.2." + i, i);
      assertEquals(2, ordered.size(), policy + " " + ordered);
      assertFalse(ordered.contains(out));
    }
    all.forEach(x -> {
      x.connectFailed();
      x.connectFailed();
    });
    assertEquals(List.of(), b.order("192.0.2.1", 1));
  }

  @ParameterizedTest
  @EnumSource(Balance.class)
  void candidatesAreBoundedByRetriesAndNeverRepeat(Balance policy) {
    List<Backend> all = backends(1, 2, 3, 1, 5);
    Balancer b = new Balancer(policy, all, 3, new AffinityTable(100, Duration.ofMinutes(1).toNanos()));
    for (int i = 0; i < 500; i++) {
      List<Backend> ordered = b.order("10.1.2." + (i % 256), i);
      assertEquals(3, ordered.size());
      assertEquals(3, new HashSet<>(ordered).size(), ordered.toString());
    }
  }

  @Test
  void ejectionGrowsWhileFailuresRepeatAndASuccessResetsIt() {
    BackendState s = new BackendState();
    Outlier o = new Outlier(3, Duration.ofNanos(1000));
    assertFalse(s.connectFailed(o, 0));
    assertFalse(s.connectFailed(o, 1));
    assertTrue(s.connectFailed(o, 2), "third failure in a row ejects");
    assertTrue(s.isEjected(1001));
    assertFalse(s.isEjected(1002));
    assertTrue(s.connectFailed(o, 1002), "on probation one failure ejects again");
    assertTrue(s.isEjected(1002 + 1999));
    assertFalse(s.isEjected(1002 + 2000), "for twice as long");
    assertTrue(s.connectFailed(o, 5000));
    assertTrue(s.isEjected(5000 + 3999));
    assertFalse(s.isEjected(5000 + 4000));
    assertEquals(3, s.ejections());
    s.connected();
    assertEquals(0, s.ejections());
    assertFalse(s.connectFailed(o, 10_000), "after a success it takes three failures again");
  }

  @Test
  void activeStatusNeedsFallFailuresToGoDownAndRiseSuccessesToComeBack() {
    ActiveStatus a = new ActiveStatus();
    assertTrue(a.isUp());
    assertFalse(a.record(false, "refused", 2, 3, 1));
    assertFalse(a.record(false, "refused", 2, 3, 2));
    assertTrue(a.record(false, "refused", 2, 3, 3));
    assertFalse(a.isUp());
    assertEquals("refused", a.reason());
    assertFalse(a.record(true, "ok", 2, 3, 4));
    assertFalse(a.record(false, "refused", 2, 3, 5), "a failure resets the rise count");
    assertFalse(a.record(true, "ok", 2, 3, 6));
    assertTrue(a.record(true, "ok", 2, 3, 7));
    assertTrue(a.isUp());
    assertEquals(7, a.lastCheckMillis());
  }

  // ---------------------------------------------------------------- through a route table

  private static RouteTable table(String yaml) {
    return new RouteTable(1, ConfigParser.parse(ConfigFiles.parseText(yaml)), new BackendStates());
  }

  @Test
  void noEligibleBackendIsRejectedAsBackendUnavailableOrGoesToTheFallback() {
    String routes =
        """
        routes:
          - name: web
            match: {protocol: http}
            outlier: {consecutiveFailures: 1, ejection: 1h}
            backends: [{address: '127.0.0.1:8001'}, {address: '127.0.0.1:8002'}]
          - name: sorry
            match: {protocol: ssh}
            backends: [{address: '127.0.0.1:9001'}]
        """;
    RouteTable plain = table("listeners: [{name: edge, bind: ['127.0.0.1:10443']}]\n" + routes);
    RouteTable withFallback = table("listeners: [{name: edge, bind: ['127.0.0.1:10443'], fallback: sorry}]\n" + routes);
    for (RouteTable t : List.of(plain, withFallback)) {
      t.backends("web").forEach(Backend::connectFailed);
    }
    RouteRequest http = new RouteRequest(1, "edge", Sniffed.http("example.com", false, List.of(), null), "192.0.2.1", 5000);
    assertEquals(new RouteDecision.Reject(RouteDecision.BACKEND_UNAVAILABLE), plain.decide(http));
    RouteDecision.Forward f = (RouteDecision.Forward) withFallback.decide(http);
    assertEquals("sorry", f.route().name());
  }

  @Test
  void retriesBoundTheCandidatesAndStateOutlivesAReload() {
    String yaml =
        """
        listeners: [{name: edge, bind: ['127.0.0.1:10443']}]
        routes:
          - name: web
            retries: 1
            balance: least_connections
            backends: [{address: '127.0.0.1:8001'}, {address: '127.0.0.1:8002'}, {address: '127.0.0.1:8003'}]
        """;
    BackendStates states = new BackendStates();
    RouteTable one = new RouteTable(1, ConfigParser.parse(ConfigFiles.parseText(yaml)), states);
    RouteRequest request = new RouteRequest(1, "edge", Sniffed.unknown(), "192.0.2.1", 5000);
    RouteDecision.Forward f = (RouteDecision.Forward) one.decide(request);
    assertEquals(2, f.candidates().size(), "the pick and one retry");
    f.candidates().get(0).connected();
    RouteTable two = new RouteTable(2, ConfigParser.parse(ConfigFiles.parseText(yaml)), states);
    states.retain(two);
    assertEquals(1, two.backends("web").stream().mapToInt(Backend::activeConnections).sum(), "open connections still count after a reload");
    f.candidates().get(0).disconnected();
    assertEquals(0, two.backends("web").stream().mapToInt(Backend::activeConnections).sum());
  }
}
