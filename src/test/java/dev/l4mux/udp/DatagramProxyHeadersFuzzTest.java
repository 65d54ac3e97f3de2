package dev.l4mux.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.l4mux.sniff.proxy.ProxyHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Tag;

/**
 * Jazzer target for the PROXY headers of datagrams (corpus in
 * src/test/resources/dev/l4mux/udp/DatagramProxyHeadersFuzzTestInputs/datagramProxyHeaders/, fuzzed
 * for 20 s by the {@code fuzz-proxy-dgram} execution). A crash is an exception, a reader index
 * that moved by anything but an accepted header's length, an accepted header that is not v2 DGRAM
 * (or LOCAL / UNSPEC), or a later datagram's verdict that differs from the first's for the same
 * bytes and the same client.
 */
@Tag("reliability")
class DatagramProxyHeadersFuzzTest {

  @FuzzTest(maxDuration = "20s")
  void datagramProxyHeaders(byte[] input) {
    for (boolean required : new boolean[] {false, true}) {
      ByteBuf datagram = Unpooled.wrappedBuffer(input.clone());
      DatagramProxyHeaders.Outcome outcome = DatagramProxyHeaders.first(datagram, required, 1024);
      if (outcome instanceof DatagramProxyHeaders.Read read) {
        assertEquals(read.length(), datagram.readerIndex());
        ProxyHeader h = read.header();
        assertTrue(h != null || !required);
        assertTrue(h == null || (h.version() == 2 && h.transport() != ProxyHeader.Transport.STREAM), String.valueOf(h));
        if (h != null) {
          ByteBuf again = Unpooled.wrappedBuffer(input.clone());
          assertEquals(null, DatagramProxyHeaders.later(again, h, 1024), "the same header again, same client");
          assertEquals(read.length(), again.readerIndex());
        }
      } else {
        assertEquals(0, datagram.readerIndex(), "a refused datagram is not consumed");
      }
      datagram.release();
    }
  }
}
