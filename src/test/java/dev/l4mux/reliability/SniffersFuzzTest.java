package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.l4mux.acme.AcmeHttpChallengeParser;
import dev.l4mux.sniff.HttpSniffer;
import dev.l4mux.sniff.QuicSniffer;
import dev.l4mux.sniff.WireGuardSniffer;
import dev.l4mux.sniff.SniffResult;
import dev.l4mux.sniff.Sniffer;
import dev.l4mux.sniff.SshSniffer;
import dev.l4mux.sniff.TlsSniffer;
import dev.l4mux.sniff.tls.ClientHelloParser;
import dev.l4mux.sniff.tls.ClientHelloResult;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Tag;

/**
 * Jazzer fuzz targets, one per sniffer and one for the ClientHello parser. Without {@code
 * JAZZER_FUZZ} (CI) each method replays its corpus in {@code
 * src/test/resources/dev/l4mux/reliability/SniffersFuzzTestInputs/<method>/} as a plain test;
 * with {@code JAZZER_FUZZ=1} it fuzzes for {@code maxDuration} (see bench/soak.md). A crash is
 * any exception escaping a sniffer or a broken contract: {@code sniffFinal} never says "need
 * more", and a decision taken on a prefix never changes when more bytes arrive.
 */
@Tag("reliability")
class SniffersFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void tlsSniffer(byte[] input) {
    checkSniffer(new TlsSniffer(), input);
  }

  @FuzzTest(maxDuration = "30s")
  void httpSniffer(byte[] input) {
    checkSniffer(new HttpSniffer(), input);
  }

  @FuzzTest(maxDuration = "30s")
  void sshSniffer(byte[] input) {
    checkSniffer(new SshSniffer(), input);
  }

  /** A decision on a prefix holds for the whole input; a token is always non-empty base64url. */
  @FuzzTest(maxDuration = "30s")
  void acmeHttpChallengeParser(byte[] input) {
    AcmeHttpChallengeParser.Result whole = AcmeHttpChallengeParser.parse(Buffer.buffer(input));
    assertNotNull(whole);
    if (whole instanceof AcmeHttpChallengeParser.Result.Token token) {
      assertTrue(token.token().matches("[A-Za-z0-9_-]+"), token.token());
    }
    for (int cut = 0; cut < input.length; cut++) {
      AcmeHttpChallengeParser.Result part = AcmeHttpChallengeParser.parse(Buffer.buffer(java.util.Arrays.copyOf(input, cut)));
      if (!(part instanceof AcmeHttpChallengeParser.Result.NeedMore)) {
        assertEquals(part, whole, "prefix of " + cut + " bytes");
      }
    }
  }

  @FuzzTest(maxDuration = "30s")
  void clientHelloParser(byte[] input) {
    ClientHelloResult records = ClientHelloParser.parseRecords(Buffer.buffer(input));
    assertNotNull(records);
    if (records instanceof ClientHelloResult.Malformed malformed) {
      assertTrue(malformed.byteOffset() >= 0 && malformed.byteOffset() <= input.length, malformed.toString());
    }
    // The lower layers on their own, as QUIC uses them: any claimed length, any cut.
    for (int length : new int[] {0, input.length / 2, input.length, input.length + 1, Integer.MAX_VALUE}) {
      assertNotNull(ClientHelloParser.parseHandshakeMessage(input, length));
    }
    assertNotNull(ClientHelloParser.parseClientHelloBody(input));
  }

  /**
   * The QUIC Initial sniffer on fuzzed datagrams: the first two bytes say where the rest is cut
   * into up to three datagrams (0: no cut; n: at n/256 of it), so reassembly across datagrams is
   * fuzzed too. Seeds are real and RFC Initials; a mutated Initial mostly fails its AEAD tag, so
   * the CRYPTO layer behind decryption is also fuzzed by {@code clientHelloParser}.
   */
  @FuzzTest(maxDuration = "30s")
  void quicSniffer(byte[] input) {
    byte[] data = input.length < 2 ? input : java.util.Arrays.copyOfRange(input, 2, input.length);
    int cut1 = input.length < 2 || input[0] == 0 ? data.length : (input[0] & 0xff) * data.length / 256;
    int cut2 = input.length < 2 || input[1] == 0 ? data.length : (input[1] & 0xff) * data.length / 256;
    cut2 = Math.max(cut1, cut2);
    java.util.List<Buffer> datagrams =
        java.util.List.of(
            Buffer.buffer(java.util.Arrays.copyOfRange(data, 0, cut1)),
            Buffer.buffer(java.util.Arrays.copyOfRange(data, cut1, cut2)),
            Buffer.buffer(java.util.Arrays.copyOfRange(data, cut2, data.length)));
    QuicSniffer sniffer = new QuicSniffer();
    for (int count = 1; count <= datagrams.size(); count++) {
      java.util.List<Buffer> prefix = datagrams.subList(0, count);
      assertNotNull(sniffer.sniff(prefix));
      assertFalse(sniffer.sniffFinal(prefix) instanceof SniffResult.NeedMore, "sniffFinal said need more");
    }
  }

  @FuzzTest(maxDuration = "30s")
  void wireGuardSniffer(byte[] input) {
    java.util.List<Buffer> datagrams = java.util.List.of(Buffer.buffer(input));
    SniffResult result = new WireGuardSniffer().sniff(datagrams);
    assertFalse(result instanceof SniffResult.NeedMore, "a single datagram always decides");
    assertEquals(result, new WireGuardSniffer().sniffFinal(datagrams));
  }

  private static void checkSniffer(Sniffer sniffer, byte[] input) {
    Buffer whole = Buffer.buffer(input);
    SniffResult full = sniffer.sniff(whole);
    assertNotNull(full);
    assertFalse(sniffer.sniffFinal(whole) instanceof SniffResult.NeedMore, "sniffFinal said need more");
    // Every cut point would be quadratic; the halves and the last byte cover the stability rule.
    for (int cut : new int[] {input.length / 2, Math.max(0, input.length - 1)}) {
      SniffResult partial = sniffer.sniff(whole.getBuffer(0, cut));
      if (!(partial instanceof SniffResult.NeedMore)) {
        assertEquals(partial, full, "decision changed after " + cut + " of " + input.length + " bytes");
      }
    }
  }
}
