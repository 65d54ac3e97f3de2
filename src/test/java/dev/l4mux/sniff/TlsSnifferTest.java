package dev.l4mux.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TlsSnifferTest {

  private final TlsSniffer tls = new TlsSniffer();

  @Test
  void encryptedClientHelloIsReportedWithTheOuterServerName() {
    byte[] records =
        new ClientHelloBuilder()
            .serverName("public.example.com")
            .alpn("h2")
            .supportedVersions(0x0304)
            .encryptedClientHello()
            .records();
    assertEquals(
        SniffResult.match(Sniffed.tls("public.example.com", List.of("h2"), List.of(0x0304), true)),
        tls.sniff(Buffer.buffer(records)));
  }

  @Test
  void sixteenMegabyteClaimIsABoundedNoMatchEvenAtTheCap() {
    Buffer claim =
        Buffer.buffer(new byte[] {22, 3, 1, 0x40, 0, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff});
    assertInstanceOf(SniffResult.NoMatch.class, tls.sniff(claim));
    assertInstanceOf(SniffResult.NoMatch.class, tls.sniffFinal(claim));
  }

  @Test
  void sslv2HelloAndOtherRecordTypesAreNoMatch() {
    byte[] sslv2 = {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10};
    assertInstanceOf(SniffResult.NoMatch.class, tls.sniffFinal(Buffer.buffer(sslv2)));
    byte[] alert = {21, 3, 3, 0, 2, 2, 40};
    assertInstanceOf(SniffResult.NoMatch.class, tls.sniffFinal(Buffer.buffer(alert)));
    byte[] serverHelloStart = {22, 3, 3, 0, 80, 2, 0, 0, 76};
    assertInstanceOf(SniffResult.NoMatch.class, tls.sniffFinal(Buffer.buffer(serverHelloStart)));
  }

  @Test
  void randomGarbageIsNoMatchAtTheCap() {
    Random random = new Random(8446);
    for (int i = 0; i < 1000; i++) {
      byte[] garbage = new byte[1 + random.nextInt(600)];
      random.nextBytes(garbage);
      if (garbage[0] == 22) {
        garbage[0] = 23;
      }
      assertInstanceOf(SniffResult.NoMatch.class, tls.sniffFinal(Buffer.buffer(garbage)));
    }
  }

  @Test
  void helloLargerThanTheCapMatchesTlsAtTheCap() {
    ClientHelloBuilder builder = new ClientHelloBuilder().serverName("big.example.com");
    builder.extension(0x0015, new byte[30_000]); // RFC 7685 padding
    Buffer firstSixteenKiB = Buffer.buffer(builder.records()).getBuffer(0, 16 * 1024);
    assertInstanceOf(SniffResult.NeedMore.class, tls.sniff(firstSixteenKiB));
    assertEquals(
        SniffResult.match(Sniffed.tls(null, List.of(), List.of(), false)),
        tls.sniffFinal(firstSixteenKiB));
  }
}
