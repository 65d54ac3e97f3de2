package dev.l4mux.limits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** An address literal (sticky_source's client string) keys the same slot as its address (limits). */
class SourceKeysTest {

  /**
   * The route decision carries the client as {@link InetAddress#getHostAddress}: that string keys
   * as the address does ({@code ::a.b.c.d}, IPv4-compatible, is printed in hex by the JDK).
   */
  @Test
  void theHostAddressOfAClientKeysAsItsAddress() throws Exception {
    for (String literal : new String[] {"203.0.113.7", "0.0.0.0", "255.255.255.255", "127.0.0.1",
        "2001:db8::1", "::1", "fe80::1%1", "2001:db8:0:0:0:0:0:ffff", "::ffff:198.51.100.9", "::198.51.100.9"}) {
      InetAddress address = InetAddress.getByName(literal); // literals only: no name is looked up
      assertArrayEquals(new long[] {SourceKeys.hi(address), SourceKeys.lo(address)},
          SourceKeys.ofLiteral(address.getHostAddress()), literal);
    }
  }

  @Test
  void ipv4AndItsMappedFormShareAKeyThatNoIpv6AddressHas() throws Exception {
    assertArrayEquals(new long[] {0, 0x0000_FFFF_CB00_7107L}, SourceKeys.ofLiteral("203.0.113.7"));
    assertArrayEquals(SourceKeys.ofLiteral("203.0.113.7"), SourceKeys.ofLiteral("::ffff:203.0.113.7"));
    assertArrayEquals(new long[] {0x2001_0DB8_0000_0000L, 1}, SourceKeys.ofLiteral("2001:db8::1"));
  }

  @Test
  void aStringThatIsNoLiteralIsTheUnspecifiedAddress() {
    for (String notALiteral : new String[] {"", "localhost", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "2001:db8::g"}) {
      assertArrayEquals(new long[] {0, 0}, SourceKeys.ofLiteral(notALiteral), notALiteral);
    }
  }
}
