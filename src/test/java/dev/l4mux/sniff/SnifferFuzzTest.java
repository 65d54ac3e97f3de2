package dev.l4mux.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.l4mux.sniff.tls.ClientHelloParser;
import dev.l4mux.sniff.tls.ClientHelloResult;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Deterministic mutation fuzzing over the fixture corpus: no sniffer may throw, every result is one
 * of the three kinds, Malformed offsets lie inside the input, and a decision taken on a prefix
 * (Match or NoMatch) never changes when more bytes arrive, the property {@link SniffDecision}
 * relies on. A failure prints the seed and the input in hex.
 */
class SnifferFuzzTest {

  private static final long SEED = 0x14_4d_75_78L;
  private static final int ITERATIONS = 200_000;
  private static final int[] LENGTH_BUMPS = {1, -1, 2, -2, 255, 256, -256, 0x4000, 0x8000, 0xffff};

  private final List<Sniffer> sniffers = SnifferCatalogue.all();

  @Test
  void mutatedFixturesNeverThrowAndDecisionsAreStable() {
    List<byte[]> corpus = corpus();
    Random random = new Random(SEED);
    Map<String, Integer> outcomes = new TreeMap<>();
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] input = mutate(random, corpus);
      int cut = random.nextInt(input.length + 1);
      try {
        check(input, cut, outcomes);
      } catch (RuntimeException | AssertionError e) {
        fail("iteration " + i + " cut " + cut + " input " + HexFormat.of().formatHex(input), e);
      }
    }
    // The mutations must keep reaching deep into every parser, not just break the first byte.
    for (Sniffer sniffer : sniffers) {
      for (String kind : List.of("Match", "NoMatch", "NeedMore")) {
        int count = outcomes.getOrDefault(sniffer.protocol() + " " + kind, 0);
        assertTrue(count > ITERATIONS / 200, sniffer.protocol() + " " + kind + ": " + outcomes);
      }
    }
  }

  private void check(byte[] input, int cut, Map<String, Integer> outcomes) {
    Buffer whole = Buffer.buffer(input);
    Buffer prefix = whole.getBuffer(0, cut);
    for (Sniffer sniffer : sniffers) {
      SniffResult full = checked(sniffer, sniffer.sniff(whole));
      outcomes.merge(sniffer.protocol() + " " + full.getClass().getSimpleName(), 1, Integer::sum);
      SniffResult last = checked(sniffer, sniffer.sniffFinal(whole));
      assertTrue(
          !(last instanceof SniffResult.NeedMore), sniffer.protocol() + " final said need more");
      SniffResult partial = checked(sniffer, sniffer.sniff(prefix));
      if (!(partial instanceof SniffResult.NeedMore)) {
        assertEquals(
            partial, full, sniffer.protocol() + " changed its decision after " + cut + " bytes");
      }
    }
    assertNotNull(SniffDecision.decide(sniffers, whole, true));
    ClientHelloResult records = ClientHelloParser.parseRecords(whole);
    if (records instanceof ClientHelloResult.Malformed malformed) {
      assertTrue(
          malformed.byteOffset() >= 0 && malformed.byteOffset() <= input.length,
          malformed.toString());
    }
    assertNotNull(ClientHelloParser.parseClientHelloBody(input));
    assertNotNull(ClientHelloParser.parseHandshakeMessage(input, cut));
  }

  private static SniffResult checked(Sniffer sniffer, SniffResult result) {
    assertTrue(
        result instanceof SniffResult.NeedMore
            || result instanceof SniffResult.NoMatch
            || (result instanceof SniffResult.Match match
                && match.facts().protocol().equals(sniffer.protocol())),
        sniffer.protocol() + " returned " + result);
    return result;
  }

  private static List<byte[]> corpus() {
    List<byte[]> corpus = new ArrayList<>();
    for (Fixture fixture : Fixture.all()) {
      corpus.add(fixture.bytes());
      if (fixture.protocol().equals("tls")) {
        corpus.add(TlsRecords.refragment(fixture.bytes(), 7));
        corpus.add(TlsRecords.refragment(fixture.bytes(), 1));
      }
    }
    corpus.add(new ClientHelloBuilder().serverName("ech.example").encryptedClientHello().records());
    return corpus;
  }

  private static byte[] mutate(Random random, List<byte[]> corpus) {
    byte[] bytes = corpus.get(random.nextInt(corpus.size())).clone();
    int mutations = 1 + random.nextInt(3);
    for (int m = 0; m < mutations && bytes.length > 0; m++) {
      int at = random.nextInt(bytes.length);
      switch (random.nextInt(6)) {
        case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8)); // bit flip
        case 1 -> bytes = Arrays.copyOf(bytes, at); // truncation
        case 2 -> { // splice: this prefix, another sample's suffix
          byte[] other = corpus.get(random.nextInt(corpus.size()));
          int from = random.nextInt(other.length);
          byte[] spliced = Arrays.copyOf(bytes, at + other.length - from);
          System.arraycopy(other, from, spliced, at, other.length - from);
          bytes = spliced;
        }
        case 3 -> bumpLength(random, bytes, at); // a 16-bit length field off by a little or a lot
        case 4 -> bumpLength(random, bytes, random.nextInt(Math.min(bytes.length, 12))); // headers
        default -> bytes[at] = (byte) random.nextInt(256); // random byte
      }
    }
    return bytes;
  }

  private static void bumpLength(Random random, byte[] bytes, int at) {
    if (at + 1 >= bytes.length) {
      return;
    }
    int value = ((bytes[at] & 0xff) << 8) | (bytes[at + 1] & 0xff);
    value += LENGTH_BUMPS[random.nextInt(LENGTH_BUMPS.length)];
    bytes[at] = (byte) (value >> 8);
    bytes[at + 1] = (byte) value;
  }
}
