package dev.l4mux.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.config.Balance;
import dev.l4mux.config.BackendConfig;
import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.config.HostPort;
import dev.l4mux.sniff.Sniffed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Backend ordering for one connection: the policy's pick first, the rest as failover. */
class BalancerTest {

  private static List<Backend> backends(int... weights) {
    List<Backend> out = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      out.add(new Backend("r", new BackendConfig(new HostPort("127.0.0.1", 8000 + i), weights[i])));
    }
    return out;
  }

  private static List<Backend> backends(int count) {
    int[] weights = new int[count];
    java.util.Arrays.fill(weights, 1);
    return backends(weights);
  }

  /** Names backends A, B, C... by their position in the route. */
  private static String letter(List<Backend> all, Backend b) {
    return String.valueOf((char) ('A' + all.indexOf(b)));
  }

  private static String picks(Balancer balancer, List<Backend> all, int count) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < count; i++) {
      s.append(letter(all, balancer.order("192.0.2.1", 40000 + i).get(0)));
    }
    return s.toString();
  }

  private static String order(List<Backend> all, List<Backend> ordered) {
    return ordered.stream().map(b -> letter(all, b)).collect(Collectors.joining());
  }

  private static void assertEveryBackendOnce(List<Backend> all, List<Backend> ordered) {
    assertEquals(all.size(), ordered.size(), "candidates " + ordered);
    assertEquals(new HashSet<>(all), new HashSet<>(ordered), "candidates " + ordered);
  }

  // ---------------------------------------------------------------- round robin

  @Test
  void roundRobinCyclesEvenly() {
    List<Backend> all = backends(3);
    Balancer b = new Balancer(Balance.ROUND_ROBIN, all);
    assertEquals("ABCABCABC", picks(b, all, 9));
    Map<Backend, Integer> counts = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      counts.merge(b.order("192.0.2.1", 1).get(0), 1, Integer::sum);
    }
    assertEquals(Map.of(all.get(0), 1000, all.get(1), 1000, all.get(2), 1000), counts);
  }

  @Test
  void roundRobinFailoverContinuesAfterThePick() {
    List<Backend> all = backends(3);
    Balancer b = new Balancer(Balance.ROUND_ROBIN, all);
    assertEquals("ABC", order(all, b.order("h", 1)));
    assertEquals("BCA", order(all, b.order("h", 1)));
    assertEquals("CAB", order(all, b.order("h", 1)));
    assertEquals("ABC", order(all, b.order("h", 1)));
  }

  @Test
  void weightedRoundRobinIsSmooth() {
    List<Backend> all = backends(3, 1);
    Balancer b = new Balancer(Balance.ROUND_ROBIN, all);
    // nginx's smooth weighted round robin for 3:1: A A B A, repeated; never A A A B.
    String sequence = picks(b, all, 4000);
    assertEquals("AABA".repeat(1000), sequence);
    assertEquals(3000, sequence.chars().filter(c -> c == 'A').count());
    assertFalse(sequence.contains("AAAA"));
    assertFalse(sequence.contains("BB"));
  }

  @Test
  void weightedRoundRobinMatchesNginxExample() {
    // The example in nginx's ngx_http_upstream_round_robin.c: weights 5, 1, 1 give a a b a c a a.
    List<Backend> all = backends(5, 1, 1);
    Balancer b = new Balancer(Balance.ROUND_ROBIN, all);
    assertEquals("AABACAA".repeat(3), picks(b, all, 21));
  }

  @Test
  void weightedRoundRobinProportionsOverManyPicks() {
    List<Backend> all = backends(5, 3, 2, 1);
    Balancer b = new Balancer(Balance.ROUND_ROBIN, all);
    String sequence = picks(b, all, 11 * 500);
    assertEquals(2500, sequence.chars().filter(c -> c == 'A').count());
    assertEquals(1500, sequence.chars().filter(c -> c == 'B').count());
    assertEquals(1000, sequence.chars().filter(c -> c == 'C').count());
    assertEquals(500, sequence.chars().filter(c -> c == 'D').count());
    // Smooth: in any window of one full cycle every backend appears its weight times.
    for (int start = 0; start + 11 <= 110; start++) {
      String window = sequence.substring(start, start + 11);
      assertEquals(5, window.chars().filter(c -> c == 'A').count(), window);
      assertEquals(1, window.chars().filter(c -> c == 'D').count(), window);
    }
  }

  // ---------------------------------------------------------------- first, random

  @Test
  void firstAlwaysPicksTheFirst() {
    List<Backend> all = backends(3, 1, 7);
    Balancer b = new Balancer(Balance.FIRST, all);
    for (int i = 0; i < 50; i++) {
      assertEquals("ABC", order(all, b.order("198.51.100." + i, i)));
    }
    all.get(0).connectFailed();
    assertEquals("BCA", order(all, b.order("h", 1)));
    all.get(0).connected();
    assertEquals("ABC", order(all, b.order("h", 1)));
  }

  @Test
  void randomIsWeighted() {
    List<Backend> all = backends(3, 1);
    Balancer b = new Balancer(Balance.RANDOM, all);
    int picks = 10_000;
    Map<Backend, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      List<Backend> ordered = b.order("192.0.2.1", 1);
      assertEveryBackendOnce(all, ordered);
      counts.merge(ordered.get(0), 1, Integer::sum);
    }
    // ThreadLocalRandom cannot be seeded; 5% of 10k is about 11 standard deviations.
    double a = counts.getOrDefault(all.get(0), 0) / (double) picks;
    assertEquals(0.75, a, 0.05, "share of the weight-3 backend");
  }

  @Test
  void randomSpreadsEvenlyWithEqualWeights() {
    List<Backend> all = backends(4);
    Balancer b = new Balancer(Balance.RANDOM, all);
    int picks = 10_000;
    Map<Backend, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(b.order("192.0.2.1", 1).get(0), 1, Integer::sum);
    }
    for (Backend backend : all) {
      assertEquals(0.25, counts.getOrDefault(backend, 0) / (double) picks, 0.05, backend.toString());
    }
  }

  // ---------------------------------------------------------------- least connections

  @Test
  void leastConnectionsPicksTheFewestActive() {
    List<Backend> all = backends(3);
    Balancer b = new Balancer(Balance.LEAST_CONNECTIONS, all);
    connect(all.get(0), 3);
    connect(all.get(1), 1);
    connect(all.get(2), 2);
    for (int i = 0; i < 10; i++) {
      assertSame(all.get(1), b.order("h", 1).get(0));
    }
    for (int i = 0; i < 3; i++) {
      all.get(0).disconnected();
    }
    assertEquals(0, all.get(0).activeConnections());
    for (int i = 0; i < 10; i++) {
      List<Backend> ordered = b.order("h", 1);
      assertSame(all.get(0), ordered.get(0));
      assertEveryBackendOnce(all, ordered);
    }
  }

  @Test
  void leastConnectionsFollowsConnectsAsTheyHappen() {
    List<Backend> all = backends(3);
    Balancer b = new Balancer(Balance.LEAST_CONNECTIONS, all);
    Map<Backend, Integer> counts = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      Backend pick = b.order("h", 1).get(0);
      pick.connected();
      counts.merge(pick, 1, Integer::sum);
      for (Backend x : all) {
        // Never more than one connection apart.
        assertTrue(Math.abs(x.activeConnections() - pick.activeConnections()) <= 1);
      }
    }
    assertEquals(Map.of(all.get(0), 100, all.get(1), 100, all.get(2), 100), counts);
  }

  @Test
  void leastConnectionsRotatesTies() {
    List<Backend> all = backends(3);
    Balancer b = new Balancer(Balance.LEAST_CONNECTIONS, all);
    Map<Backend, Integer> counts = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      counts.merge(b.order("h", 1).get(0), 1, Integer::sum);
    }
    assertEquals(Map.of(all.get(0), 100, all.get(1), 100, all.get(2), 100), counts);
  }

  @Test
  void leastConnectionsIsWeighted() {
    List<Backend> all = backends(3, 1);
    Balancer b = new Balancer(Balance.LEAST_CONNECTIONS, all);
    connect(all.get(0), 2); // 2 of 3
    connect(all.get(1), 1); // 1 of 1
    assertSame(all.get(0), b.order("h", 1).get(0));
    connect(all.get(0), 2); // 4 of 3
    assertSame(all.get(1), b.order("h", 1).get(0));
  }

  @Test
  void leastConnectionsSkipsADownBackend() {
    List<Backend> all = backends(3);
    Balancer b = new Balancer(Balance.LEAST_CONNECTIONS, all);
    connect(all.get(1), 5);
    connect(all.get(2), 1);
    all.get(0).connectFailed(); // fewest connections, but down
    for (int i = 0; i < 5; i++) {
      List<Backend> ordered = b.order("h", 1);
      assertSame(all.get(2), ordered.get(0));
      assertSame(all.get(0), ordered.get(2));
      assertEveryBackendOnce(all, ordered);
    }
  }

  private static void connect(Backend b, int times) {
    for (int i = 0; i < times; i++) {
      b.connected();
    }
  }

  // ---------------------------------------------------------------- source hashing

  @Test
  void sourceIpIsStablePerIpAndSpreadsAcrossIps() {
    List<Backend> all = backends(4);
    Balancer b = new Balancer(Balance.SOURCE_IP, all);
    Map<Backend, Integer> counts = new HashMap<>();
    for (int i = 0; i < 256; i++) {
      for (String ip : List.of("10.0." + i + ".1", "2001:db8::" + Integer.toHexString(i + 1))) {
        List<Backend> firstOrder = b.order(ip, 1000);
        for (int port = 1001; port < 1020; port++) {
          assertEquals(firstOrder, b.order(ip, port), ip);
        }
        assertEveryBackendOnce(all, firstOrder);
        counts.merge(firstOrder.get(0), 1, Integer::sum);
      }
    }
    for (Backend backend : all) {
      assertTrue(counts.getOrDefault(backend, 0) >= 512 / 4 / 3, "too few for " + backend + ": " + counts);
    }
  }

  @Test
  void sourceIpIsStableAcrossBalancerInstances() {
    // A config reload builds a new table: the same client should keep its backend.
    List<Backend> one = backends(3);
    List<Backend> two = backends(3);
    Balancer a = new Balancer(Balance.SOURCE_IP, one);
    Balancer c = new Balancer(Balance.SOURCE_IP, two);
    for (int i = 0; i < 50; i++) {
      String ip = "198.51.100." + i;
      assertEquals(one.indexOf(a.order(ip, 1).get(0)), two.indexOf(c.order(ip, 2).get(0)));
    }
  }

  @Test
  void sourceSocketDependsOnThePort() {
    List<Backend> all = backends(4);
    Balancer b = new Balancer(Balance.SOURCE_SOCKET, all);
    Map<Backend, Integer> counts = new HashMap<>();
    for (int port = 40000; port < 40400; port++) {
      Backend pick = b.order("192.0.2.1", port).get(0);
      assertSame(pick, b.order("192.0.2.1", port).get(0), "stable for one socket");
      counts.merge(pick, 1, Integer::sum);
    }
    assertEquals(4, counts.size(), "one IP on many ports should reach every backend: " + counts);
    for (Backend backend : all) {
      assertTrue(counts.get(backend) >= 400 / 4 / 3, counts.toString());
    }
    // The IP still matters.
    Map<Backend, Integer> byIp = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      byIp.merge(b.order("10.0.0." + i, 443).get(0), 1, Integer::sum);
    }
    assertEquals(4, byIp.size(), byIp.toString());
  }

  @Test
  void sourcePoliciesHandleAnyPortAndHashValue() {
    List<Backend> all = backends(3);
    Random random = new Random(42);
    for (Balance policy : List.of(Balance.SOURCE_IP, Balance.SOURCE_SOCKET)) {
      Balancer b = new Balancer(policy, all);
      for (int i = 0; i < 2000; i++) {
        String host = Long.toHexString(random.nextLong()) + ":" + i;
        assertEveryBackendOnce(all, b.order(host, random.nextInt(65536)));
      }
      assertEveryBackendOnce(all, b.order("", 0));
      assertEveryBackendOnce(all, b.order("x", 65535));
    }
  }

  // ---------------------------------------------------------------- failover order and health

  @ParameterizedTest
  @EnumSource(Balance.class)
  void candidatesAlwaysContainEveryBackendExactlyOnce(Balance policy) {
    List<Backend> all = backends(1, 2, 3, 1, 5);
    Balancer b = new Balancer(policy, all);
    Random random = new Random(7);
    for (int i = 0; i < 2000; i++) {
      if (i % 10 == 0) {
        Backend x = all.get(random.nextInt(all.size()));
        if (random.nextBoolean()) {
          x.connectFailed();
        } else {
          x.connected();
        }
      }
      List<Backend> ordered = b.order("10.1.2." + random.nextInt(256), random.nextInt(65536));
      assertEveryBackendOnce(all, ordered);
      // Up backends first, then down ones.
      boolean seenDown = false;
      for (Backend x : ordered) {
        if (!x.isUp()) {
          seenDown = true;
        } else {
          assertFalse(seenDown, "an up backend after a down one: " + ordered);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Balance.class)
  void aDownBackendGoesLastButStaysAndComesBackAfterConnecting(Balance policy) {
    List<Backend> all = backends(3);
    Balancer b = new Balancer(policy, all);
    Backend down = all.get(1);
    down.connectFailed();
    assertFalse(down.isUp());
    for (int i = 0; i < 30; i++) {
      List<Backend> ordered = b.order("192.0.2." + i, 1000 + i);
      assertEveryBackendOnce(all, ordered);
      assertSame(down, ordered.get(2), policy + " " + ordered);
    }
    down.connected();
    assertTrue(down.isUp());
    down.disconnected();
    boolean pickedAgain = false;
    for (int i = 0; i < 60 && !pickedAgain; i++) {
      pickedAgain = b.order("192.0.2." + i, 1000 + i).get(0) == down;
    }
    if (policy != Balance.FIRST) {
      assertTrue(pickedAgain, policy + " never picks the backend that came back");
    } else {
      assertEquals("ABC", order(all, b.order("h", 1)));
    }
  }

  @Test
  void allDownKeepsThePolicyOrder() {
    List<Backend> all = backends(3);
    all.forEach(Backend::connectFailed);
    Balancer rr = new Balancer(Balance.ROUND_ROBIN, all);
    assertEquals("ABC", order(all, rr.order("h", 1)));
    assertEquals("BCA", order(all, rr.order("h", 1)));
    Balancer first = new Balancer(Balance.FIRST, all);
    assertEquals("ABC", order(all, first.order("h", 1)));
    Balancer lc = new Balancer(Balance.LEAST_CONNECTIONS, all);
    assertEveryBackendOnce(all, lc.order("h", 1));
  }

  @Test
  void downBackendIsStillOrderedByThePolicyAmongDownOnes() {
    List<Backend> all = backends(4);
    Balancer b = new Balancer(Balance.FIRST, all);
    all.get(0).connectFailed();
    all.get(2).connectFailed();
    assertEquals("BDAC", order(all, b.order("h", 1)));
  }

  @Test
  void roundRobinWithADownBackendStillCountsItsTurn() {
    List<Backend> all = backends(3);
    Balancer b = new Balancer(Balance.ROUND_ROBIN, all);
    all.get(0).connectFailed();
    Map<Backend, Integer> counts = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      List<Backend> ordered = b.order("h", 1);
      assertSame(all.get(0), ordered.get(2));
      counts.merge(ordered.get(0), 1, Integer::sum);
    }
    // Its turns fall to the next backend in line.
    assertEquals(Map.of(all.get(1), 200, all.get(2), 100), counts);
  }

  @ParameterizedTest
  @EnumSource(Balance.class)
  void aSingleBackendIsAlwaysTheOnlyCandidate(Balance policy) {
    List<Backend> all = backends(5);
    all = all.subList(0, 1);
    Balancer b = new Balancer(policy, all);
    assertEquals(all, b.order("192.0.2.1", 1));
    all.get(0).connectFailed();
    assertEquals(all, b.order("192.0.2.1", 1));
  }

  @Test
  void backendStateCounts() {
    Backend x = backends(1).get(0);
    assertTrue(x.isUp());
    assertEquals(0, x.activeConnections());
    x.connected();
    x.connected();
    assertEquals(2, x.activeConnections());
    x.connectFailed();
    assertFalse(x.isUp());
    assertEquals(2, x.activeConnections(), "a failed attempt is not an active connection");
    x.disconnected();
    assertEquals(1, x.activeConnections());
    x.connected();
    assertTrue(x.isUp());
    assertEquals("r", x.route());
    assertEquals(new HostPort("127.0.0.1", 8000), x.address());
    assertEquals("r->127.0.0.1:8000", x.toString());
  }

  // ---------------------------------------------------------------- through a route table

  @Test
  void balancePolicyFromConfigIsApplied() {
    RouteTable t =
        new RouteTable(
            1,
            ConfigParser.parse(
                ConfigFiles.parseText(
                    """
                    listeners: [{name: edge, bind: ['127.0.0.1:10443']}]
                    routes:
                      - name: web
                        backends:
                          - {address: '127.0.0.1:8001', weight: 3}
                          - {address: '127.0.0.1:8002'}
                      - name: pinned
                        match: {protocol: ssh}
                        balance: first
                        backends: [{address: '127.0.0.1:9001'}, {address: '127.0.0.1:9002'}]
                    """)));
    List<Backend> web = t.backends("web");
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      RouteDecision.Forward f =
          (RouteDecision.Forward) t.decide(new RouteRequest(i, "edge", Sniffed.unknown(), "192.0.2.1", 5000));
      s.append(letter(web, f.candidates().get(0)));
      assertEveryBackendOnce(web, f.candidates());
    }
    // round_robin is the default balance; weights give the smooth sequence.
    assertEquals("AABAAABA", s.toString());
    List<Backend> pinned = t.backends("pinned");
    for (int i = 0; i < 5; i++) {
      RouteDecision.Forward f =
          (RouteDecision.Forward) t.decide(new RouteRequest(i, "edge", Sniffed.ssh(null), "192.0.2." + i, 5000 + i));
      assertEquals("AB", order(pinned, f.candidates()));
    }
  }

  @Test
  void sourceIpPolicyDoesNotThrowWithoutASourceAddress() {
    // RouteTable.decide promises never to throw, and tolerates a null source itself.
    RouteTable t =
        new RouteTable(
            1,
            ConfigParser.parse(
                ConfigFiles.parseText(
                    """
                    listeners: [{name: edge, bind: ['127.0.0.1:10443']}]
                    routes:
                      - name: ip
                        balance: source_ip
                        backends: [{address: '127.0.0.1:8001'}, {address: '127.0.0.1:8002'}]
                      - name: sock
                        match: {protocol: ssh}
                        balance: source_socket
                        backends: [{address: '127.0.0.1:8003'}, {address: '127.0.0.1:8004'}]
                    """)));
    for (Sniffed facts : List.of(Sniffed.unknown(), Sniffed.ssh(null))) {
      RouteDecision d = t.decide(new RouteRequest(1, "edge", facts, null, 0));
      assertEquals(2, ((RouteDecision.Forward) d).candidates().size());
    }
  }

  // ---------------------------------------------------------------- concurrency

  @Test
  void roundRobinIsExactUnderConcurrentPicks() throws Exception {
    List<Backend> all = backends(4);
    Balancer b = new Balancer(Balance.ROUND_ROBIN, all);
    int threads = 4;
    int perThread = 10_000;
    Map<Backend, AtomicInteger> counts = new ConcurrentHashMap<>();
    all.forEach(x -> counts.put(x, new AtomicInteger()));
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    List<Backend> ordered = b.order("192.0.2.1", i);
                    if (ordered.size() != all.size()) {
                      throw new AssertionError("candidates " + ordered);
                    }
                    counts.get(ordered.get(0)).incrementAndGet();
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (Backend x : all) {
      assertEquals(threads * perThread / all.size(), counts.get(x).get(), x.toString());
    }
  }

  @Test
  void leastConnectionsStaysBalancedUnderConcurrentConnects() throws Exception {
    List<Backend> all = backends(4);
    Balancer b = new Balancer(Balance.LEAST_CONNECTIONS, all);
    int threads = 4;
    int perThread = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    b.order("h", 1).get(0).connected();
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    int total = all.stream().mapToInt(Backend::activeConnections).sum();
    assertEquals(threads * perThread, total);
    for (Backend x : all) {
      // Races between pick and connect can skew a little, not a lot.
      assertEquals(total / 4.0, x.activeConnections(), total * 0.05, x.toString());
    }
  }
}
