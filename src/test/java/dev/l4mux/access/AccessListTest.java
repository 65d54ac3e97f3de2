package dev.l4mux.access;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.config.AccessConfig;
import dev.l4mux.config.Cidr;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Allow/deny on binary tries: deny wins, IPv4, IPv6 and IPv4-mapped IPv6. */
class AccessListTest {

  private static AccessList list(List<String> allow, List<String> deny) {
    return new AccessList(new AccessConfig(allow.stream().map(Cidr::parse).toList(), deny.stream().map(Cidr::parse).toList()));
  }

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  /** ::ffff:a.b.c.d kept as 16 bytes (InetAddress.getByName would turn it into IPv4). */
  private static InetAddress mapped(String v4) throws Exception {
    byte[] a = new byte[16];
    a[10] = (byte) 0xFF;
    a[11] = (byte) 0xFF;
    System.arraycopy(InetAddress.getByName(v4).getAddress(), 0, a, 12, 4);
    return Inet6Address.getByAddress(null, a, -1);
  }

  @Test
  void denyWinsOverAllow() throws Exception {
    AccessList l = list(List.of("0.0.0.0/0"), List.of("203.0.113.0/24"));
    assertTrue(l.allows(ip("192.0.2.1")));
    assertFalse(l.allows(ip("203.0.113.7")));
    assertFalse(l.allows(ip("2001:db8::1")), "an IPv4-only allow list admits no IPv6 client");
  }

  @Test
  void emptyAllowAdmitsEverythingNotDenied() throws Exception {
    AccessList l = list(List.of(), List.of("2001:db8:dead::/48", "198.51.100.9"));
    assertTrue(l.allows(ip("2001:db8:beef::1")));
    assertFalse(l.allows(ip("2001:db8:dead:1::1")));
    assertFalse(l.allows(ip("198.51.100.9")));
    assertTrue(l.allows(ip("198.51.100.10")));
    assertTrue(AccessList.of(AccessConfig.NONE).allows(ip("203.0.113.1")));
  }

  @Test
  void ipv4MappedClientsMatchIpv4Networks() throws Exception {
    assertFalse(list(List.of(), List.of("203.0.113.0/24")).allows(mapped("203.0.113.7")));
    assertTrue(list(List.of("10.0.0.0/8"), List.of()).allows(mapped("10.1.2.3")));
  }

  @Test
  void prefixBoundariesAndNestedNetworks() throws Exception {
    AccessList l = list(List.of("10.0.0.0/8", "10.1.0.0/16", "192.0.2.128/25", "0.0.0.0/32"), List.of());
    assertTrue(l.allows(ip("10.255.255.255")));
    assertFalse(l.allows(ip("11.0.0.0")));
    assertTrue(l.allows(ip("192.0.2.128")));
    assertFalse(l.allows(ip("192.0.2.127")));
    assertTrue(l.allows(ip("0.0.0.0")));
    assertFalse(l.allows(ip("0.0.0.1")));
    assertTrue(list(List.of("::/0"), List.of()).allows(ip("2001:db8::1")));
  }

  @Test
  void agreesWithCidrContainsOnAThousandNetworks() throws Exception {
    List<Cidr> networks = IntStream.range(0, 1000).mapToObj(i -> Cidr.parse("10." + (i / 256) + "." + (i % 256) + ".0/24")).toList();
    AccessList l = new AccessList(new AccessConfig(networks, List.of()));
    for (String probe : List.of("10.0.0.1", "10.3.231.255", "10.3.232.0", "10.4.0.0", "9.255.255.255")) {
      byte[] a = ip(probe).getAddress();
      boolean expected = networks.stream().anyMatch(c -> c.contains(a));
      assertTrue(expected == l.allows(ip(probe)), probe);
    }
  }
}
