package dev.l4mux.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.config.Cidr;
import dev.l4mux.config.ProxyProtocolReceive;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the connection does next after each kind of first bytes, timeout and end of stream. */
class ProxyHeaderPhaseTest {

  private static ProxyHeaderPhase phase(boolean required) {
    return new ProxyHeaderPhase(new ProxyProtocolReceive(List.of(Cidr.parse("127.0.0.1")), required), Duration.ofSeconds(3), 16384);
  }

  private static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  @Test
  void aHeaderIsReadWithItsLength() {
    String line = "PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\r\n";
    ProxyHeaderPhase.Read read = assertInstanceOf(ProxyHeaderPhase.Read.class, phase(true).onBytes(bytes(line + "GET /")));
    assertEquals(line.length(), read.length());
    assertEquals("203.0.113.7", read.header().realClient().getAddress().getHostAddress());
  }

  @Test
  void aPartialHeaderWaits() {
    assertInstanceOf(ProxyHeaderPhase.Waiting.class, phase(true).onBytes(bytes("PROXY TCP4 203.0")));
    assertInstanceOf(ProxyHeaderPhase.Waiting.class, phase(false).onBytes(bytes("PRO")));
  }

  @Test
  void noHeaderIsServedUnlessRequired() {
    ProxyHeaderPhase.Read none = assertInstanceOf(ProxyHeaderPhase.Read.class, phase(false).onBytes(bytes("GET / HTTP/1.1\r\n")));
    assertNull(none.header());
    assertEquals(0, none.length());
    assertInstanceOf(ProxyHeaderPhase.Refused.class, phase(true).onBytes(bytes("GET / HTTP/1.1\r\n")));
  }

  @Test
  void aBrokenHeaderIsRefusedEvenWhenNotRequired() {
    ProxyHeaderPhase.Refused r = assertInstanceOf(ProxyHeaderPhase.Refused.class, phase(false).onBytes(bytes("PROXY TCP4 203.0.113.07 192.0.2.1 1 2\r\n")));
    assertTrue(r.detail().contains("invalid IPv4 source address"), r.detail());
  }

  @Test
  void timeoutAndEndOfStream() {
    assertInstanceOf(ProxyHeaderPhase.Read.class, phase(false).onTimeout(0));
    assertInstanceOf(ProxyHeaderPhase.Refused.class, phase(true).onTimeout(0));
    assertInstanceOf(ProxyHeaderPhase.Refused.class, phase(false).onTimeout(5));
    assertInstanceOf(ProxyHeaderPhase.Refused.class, phase(false).onEnd(5));
  }
}
