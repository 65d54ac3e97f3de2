package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import dev.l4mux.sniff.proxy.ProxyHeaderResult;
import dev.l4mux.sniff.proxy.ProxyHeaderWriter;
import dev.l4mux.sniff.proxy.ProxyTlv;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Tag;

/**
 * Jazzer target for the PROXY header parser, wired like {@link SniffersFuzzTest} (corpus in
 * src/test/resources/dev/l4mux/reliability/ProxyHeaderFuzzTestInputs/proxyHeaderParser/, fuzzed
 * for 30 s by the {@code fuzz-proxy} execution). A crash is an exception escaping the parser, an
 * offset outside the input, a header longer than the input, a decision that changes when more
 * bytes follow it, or a parsed header that the writer cannot rebuild into the same addresses.
 */
@Tag("reliability")
class ProxyHeaderFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void proxyHeaderParser(byte[] input) {
    Buffer whole = Buffer.buffer(input);
    ProxyHeaderResult full = ProxyHeaderParser.parse(whole, 1024);
    assertNotNull(full);
    if (full instanceof ProxyHeaderResult.NoMatch bad) {
      assertTrue(bad.offset() >= 0 && bad.offset() <= input.length, bad.toString());
    }
    if (full instanceof ProxyHeaderResult.Match m) {
      assertTrue(m.length() > 0 && m.length() <= input.length);
      // Bytes after the header never change the header.
      assertEquals(full, ProxyHeaderParser.parse(whole.getBuffer(0, m.length()), 1024));
      if (m.header().realClient() != null && m.header().destination() != null) {
        byte[] again = ProxyHeaderWriter.v2(m.header().source(), m.header().destination(), m.header().transport(),
            m.header().tlvs().stream().filter(t -> t.type() != ProxyTlv.CRC32C).toList(), true);
        ProxyHeaderResult.Match back = (ProxyHeaderResult.Match) ProxyHeaderParser.parse(Buffer.buffer(again));
        assertEquals(m.header().source(), back.header().source());
        assertEquals(m.header().tlvs(), back.header().tlvs());
      }
    }
    int cut = input.length / 2;
    ProxyHeaderResult partial = ProxyHeaderParser.parse(whole.getBuffer(0, cut), 1024);
    if (partial instanceof ProxyHeaderResult.NoMatch) {
      assertTrue(full instanceof ProxyHeaderResult.NoMatch, "refused at " + cut + " bytes, then " + full);
    }
  }
}
