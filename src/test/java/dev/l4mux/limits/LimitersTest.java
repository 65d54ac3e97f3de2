package dev.l4mux.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.config.Limits;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each limit and rate triggers exactly at its threshold; per-source state stays bounded. */
class LimitersTest {

  private static final long SECOND = 1_000_000_000L;

  private static InetAddress ip(int i) {
    try {
      return InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
    } catch (UnknownHostException impossible) {
      throw new AssertionError(impossible);
    }
  }

  private static String admit(ScopeLimiter s, InetAddress client, long now, List<Admission> held) {
    Admission a = new Admission(new Limiters());
    String refusal = s.admit(client, now, a);
    if (refusal == null) {
      held.add(a);
    }
    return refusal;
  }

  @Test
  void maxConnectionsRefusesTheOneOverAndAdmitsAgainAfterAClose() {
    ScopeLimiter s = new ScopeLimiter(new Limits(3, 0, null, null), 100, 0);
    List<Admission> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      assertNull(admit(s, ip(i), 0, held));
    }
    assertEquals(Admission.LIMIT, admit(s, ip(9), 0, held));
    assertEquals(3, s.open());
    held.remove(0).release();
    assertNull(admit(s, ip(9), 0, held));
    held.forEach(Admission::release);
    assertEquals(0, s.open());
  }

  @Test
  void maxConnectionsPerIpCountsEachSourceApart() {
    ScopeLimiter s = new ScopeLimiter(new Limits(0, 2, null, null), 100, 0);
    List<Admission> held = new ArrayList<>();
    assertNull(admit(s, ip(1), 0, held));
    assertNull(admit(s, ip(1), 0, held));
    assertEquals(Admission.LIMIT, admit(s, ip(1), 0, held));
    assertNull(admit(s, ip(2), 0, held));
    held.get(0).release();
    held.get(0).release(); // twice: the second does nothing
    assertNull(admit(s, ip(1), 0, held));
    assertEquals(Admission.LIMIT, admit(s, ip(1), 0, held));
  }

  @Test
  void connectionRateIsATokenBucketWithABurstOfItsCount() {
    ScopeLimiter s = new ScopeLimiter(new Limits(0, 0, null, new Limits.Rate(5, Duration.ofSeconds(1))), 100, 0);
    List<Admission> held = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      assertNull(admit(s, ip(i), 10, held));
    }
    assertEquals(Admission.RATE, admit(s, ip(7), 10, held));
    assertEquals(Admission.RATE, admit(s, ip(7), 10 + SECOND / 5 - 1000, held), "just under one token refilled");
    assertNull(admit(s, ip(7), 10 + SECOND / 5, held));
    assertEquals(Admission.RATE, admit(s, ip(7), 10 + SECOND / 5, held));
    for (int i = 0; i < 5; i++) {
      assertNull(admit(s, ip(i), 100 * SECOND, held), "refilled, but never beyond the burst");
    }
    assertEquals(Admission.RATE, admit(s, ip(8), 100 * SECOND, held));
  }

  @Test
  void connectionRatePerIpAndARefusalTakesNoToken() {
    Limits limits = new Limits(0, 0, new Limits.Rate(2, Duration.ofMinutes(1)), new Limits.Rate(3, Duration.ofMinutes(1)));
    ScopeLimiter s = new ScopeLimiter(limits, 100, 0);
    List<Admission> held = new ArrayList<>();
    assertNull(admit(s, ip(1), 0, held));
    assertNull(admit(s, ip(1), 0, held));
    assertEquals(Admission.RATE, admit(s, ip(1), 0, held), "per-IP rate");
    assertNull(admit(s, ip(2), 0, held), "the refusal gave its node-wide token back");
    assertEquals(Admission.RATE, admit(s, ip(3), 0, held), "the scope's rate of 3");
  }

  @Test
  void ratesCountByTheArrivalTimeTheCallerGivesNotByTheClock() {
    ScopeLimiter s = new ScopeLimiter(new Limits(0, 0, new Limits.Rate(1, Duration.ofHours(1)), null), 100, 0);
    List<Admission> held = new ArrayList<>();
    assertNull(admit(s, ip(1), 0, held));
    assertEquals(Admission.RATE, admit(s, ip(1), 0, held));
    assertNull(admit(s, ip(1), 3600 * SECOND, held), "an hour later by the connection's accept time");
    assertEquals(Admission.RATE, admit(s, ip(1), 3600 * SECOND, held));
  }

  @Test
  void ipv6SourcesAreCountedByAllTheirBitsAndApartFromIpv4() throws UnknownHostException {
    ScopeLimiter s = new ScopeLimiter(new Limits(0, 1, null, null), 100, 0);
    List<Admission> held = new ArrayList<>();
    List<InetAddress> sources = List.of(
        InetAddress.getByName("fd00::a00:1"), // the low 32 bits of 10.0.0.1, in a ULA
        InetAddress.getByName("fd00:0:0:1::a00:1"), // differs only in the high 64 bits
        InetAddress.getByName("fd00::1:a00:1"), // differs only in the low 64 bits
        InetAddress.getByName("::a00:1"), // IPv4-compatible (deprecated, RFC 4291 2.5.5.1): an IPv6 address
        ip(0x000001)); // 10.0.0.1
    for (InetAddress a : sources) {
      assertNull(admit(s, a, 0, held), a + " is a source of its own");
    }
    for (InetAddress a : sources) {
      assertEquals(Admission.LIMIT, admit(s, a, 0, held), a + " has its one connection");
    }
    assertEquals(Admission.LIMIT, admit(s, InetAddress.getByName("::ffff:10.0.0.1"), 0, held), "the IPv4-mapped form is 10.0.0.1");
    assertEquals(5, s.trackedSources());
  }

  @Test
  void aHundredThousandDistinctSourcesKeepTheTableAtItsBound() {
    ScopeLimiter s = new ScopeLimiter(new Limits(0, 1, new Limits.Rate(1, Duration.ofHours(1)), null), 1000, 0);
    List<Admission> held = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      assertNull(admit(s, ip(i), 0, held));
      held.remove(0).release();
    }
    assertEquals(1000, s.trackedSources());
    assertEquals(Admission.RATE, admit(s, ip(99_999), 0, held), "a recent source is remembered");
  }

  @Test
  void aSourceWithOpenConnectionsKeepsItsCountThroughAFloodOfOthers() {
    ScopeLimiter s = new ScopeLimiter(new Limits(0, 2, null, null), 100, 0);
    List<Admission> held = new ArrayList<>();
    assertNull(admit(s, ip(1), 0, held));
    assertNull(admit(s, ip(1), 0, held));
    List<Admission> flood = new ArrayList<>();
    for (int i = 2; i < 100_000; i++) {
      admit(s, ip(i), 0, flood);
      flood.remove(0).release();
    }
    assertEquals(Admission.LIMIT, admit(s, ip(1), 0, held), "its two connections are still counted");
    assertEquals(100, s.trackedSources());
  }

  @Test
  void aTableFullOfSourcesWithOpenConnectionsRefusesANewSourceAsLimit() {
    ScopeLimiter s = new ScopeLimiter(new Limits(0, 5, null, null), 3, 0);
    List<Admission> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      assertNull(admit(s, ip(i), 0, held));
    }
    assertEquals(Admission.LIMIT, admit(s, ip(7), 0, held));
    assertEquals(3, s.open(), "the refusal took no slot");
    assertNull(admit(s, ip(0), 0, held), "known sources are still admitted");
    held.get(1).release();
    assertNull(admit(s, ip(7), 0, held), "a source without connections made room");
  }

  @Test
  void nodeListenerAndRouteLimitsThroughAConfigurationAndAReload() {
    String yaml = """
        defaults: {limits: {maxConnections: 3, perIpTableSize: 10}}
        listeners: [{name: edge, bind: ['127.0.0.1:1'], limits: {maxConnectionsPerIp: 2}}]
        routes: [{name: r, limits: {maxConnections: 1}, backends: [{address: '127.0.0.1:2'}]}]
        """;
    Limiters limiters = new Limiters();
    limiters.configure(ConfigParser.parse(ConfigFiles.parseText(yaml)));
    Admission a = limiters.admitListener("edge", ip(1), System.nanoTime());
    assertNull(a.refusal());
    assertNull(a.admitRoute("r", ip(1), System.nanoTime()));
    Admission b = limiters.admitListener("edge", ip(1), System.nanoTime());
    assertNull(b.refusal());
    assertEquals(Admission.LIMIT, b.admitRoute("r", ip(1), System.nanoTime()), "the route's maxConnections");
    assertEquals(Admission.LIMIT, limiters.admitListener("edge", ip(1), System.nanoTime()).refusal(), "the listener's per-IP limit");
    Admission c = limiters.admitListener("edge", ip(2), System.nanoTime());
    assertNull(c.refusal());
    assertEquals(Admission.LIMIT, limiters.admitListener("edge", ip(3), System.nanoTime()).refusal(), "the node's maxConnections");
    assertEquals(Admission.LIMIT, limiters.admitListener("other", ip(4), System.nanoTime()).refusal(), "the node's limit covers every listener");
    limiters.configure(ConfigParser.parse(ConfigFiles.parseText(yaml)));
    assertEquals(Admission.LIMIT, limiters.admitListener("edge", ip(3), System.nanoTime()).refusal(), "an unchanged reload keeps the counts");
    a.release();
    b.release();
    c.release();
    Admission d = limiters.admitListener("edge", ip(1), System.nanoTime());
    assertNull(d.refusal());
    assertNull(d.admitRoute("r", ip(1), System.nanoTime()));
    assertEquals(2, limiters.trackedSources("edge"), "sources 1 and 2 (3 and 4 were refused by the node first)");
  }

  @Test
  void udpFlowsCountInTheirListenerAndRouteButNotInTheNodesConnections() {
    String yaml = """
        defaults: {limits: {maxConnections: 1}}
        listeners:
          - {name: tcp, bind: ['127.0.0.1:1']}
          - {name: udp, bind: ['127.0.0.1:1'], transport: udp, limits: {maxConnections: 2}}
        routes: [{name: r, limits: {maxConnectionsPerIp: 1}, backends: [{address: '127.0.0.1:2'}]}]
        """;
    Limiters limiters = new Limiters();
    limiters.configure(ConfigParser.parse(ConfigFiles.parseText(yaml)));
    Admission first = limiters.admitFlow("udp", ip(1), System.nanoTime());
    assertNull(first.refusal());
    assertNull(first.admitRoute("r", ip(1), System.nanoTime()));
    Admission second = limiters.admitFlow("udp", ip(2), System.nanoTime());
    assertNull(second.refusal());
    assertEquals(Admission.LIMIT, second.admitRoute("r", ip(1), System.nanoTime()), "the route's per-IP limit counts flows too");
    assertEquals(Admission.LIMIT, limiters.admitFlow("udp", ip(3), System.nanoTime()).refusal(), "the listener's maxConnections counts open flows");
    Admission connection = limiters.admitListener("tcp", ip(4), System.nanoTime());
    assertNull(connection.refusal(), "two open flows took none of the node's one connection");
    first.release();
    assertNull(limiters.admitFlow("udp", ip(3), System.nanoTime()).refusal(), "an ended flow gave its slot back");
  }
}
