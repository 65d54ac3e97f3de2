package dev.l4mux.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpSnifferTest {

  private final HttpSniffer http = new HttpSniffer();

  private SniffResult sniff(String text) {
    return http.sniff(Buffer.buffer(text, "ISO-8859-1"));
  }

  private Sniffed facts(String text) {
    return assertInstanceOf(SniffResult.Match.class, sniff(text)).facts();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "www.example.com|www.example.com",
        "WWW.Example.COM:8080|www.example.com",
        "[2001:DB8::1]:8443|[2001:db8::1]",
        "[::1]|[::1]",
        "example.com:|example.com",
        "'  spaced.example  '|spaced.example"
      })
  void hostIsLowerCasedWithoutPort(String header, String expected) {
    assertEquals(expected, facts("GET / HTTP/1.1\r\nHost: " + header + "\r\n\r\n").host());
  }

  @ParameterizedTest
  @ValueSource(strings = {"[::1", "a b", "example.com:80x", ":80", "[]", "a@b"})
  void invalidHostIsNoMatch(String header) {
    assertInstanceOf(
        SniffResult.NoMatch.class, sniff("GET / HTTP/1.1\r\nHost: " + header + "\r\n\r\n"));
  }

  @Test
  void missingOrEmptyHostMatchesWithoutHost() {
    assertNull(facts("GET / HTTP/1.0\r\n\r\n").host());
    assertNull(facts("GET / HTTP/1.1\r\nHost:\r\n\r\n").host());
  }

  @Test
  void secondHostHeaderIsNoMatch() {
    assertInstanceOf(
        SniffResult.NoMatch.class, sniff("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"));
  }

  @Test
  void websocketNeedsBothUpgradeAndTheConnectionOption() {
    String head = "GET /ws HTTP/1.1\r\nHost: a\r\n";
    assertEquals(
        true,
        facts(head + "Connection: keep-alive, Upgrade\r\nUpgrade: WebSocket\r\n\r\n").websocket());
    assertEquals(
        true, facts(head + "Connection: upgrade\r\nUpgrade: foo/1, websocket\r\n\r\n").websocket());
    assertEquals(false, facts(head + "Upgrade: websocket\r\n\r\n").websocket());
    assertEquals(
        false, facts(head + "Connection: Upgrade\r\nUpgrade: websockets\r\n\r\n").websocket());
  }

  @Test
  void h2cUpgradeOnlyOnHttp11() {
    String fields = "Host: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n";
    assertEquals(List.of("h2c"), facts("GET / HTTP/1.1\r\n" + fields).alpn());
    assertEquals(List.of(), facts("GET / HTTP/1.0\r\n" + fields).alpn());
  }

  @Test
  void detailIsMethodAndTargetTruncatedTo200Characters() {
    String target = "/" + "x".repeat(300);
    assertEquals(
        "OPTIONS " + target.substring(0, 200),
        facts("OPTIONS " + target + " HTTP/1.1\r\n\r\n").detail());
    assertEquals("M-SEARCH *", facts("M-SEARCH * HTTP/1.1\r\n\r\n").detail());
  }

  @Test
  void bareLfLineEndsAreAccepted() {
    assertEquals("lf.example", facts("GET / HTTP/1.1\nHost: lf.example\n\n").host());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "get / HTTP/1.1\r\n\r\n", // lower-case method
        "GET  / HTTP/1.1\r\n\r\n", // empty target
        "GET / HTTP/2.0\r\n\r\n",
        "GET / HTTP/1.1 \r\n\r\n",
        "GET /\u0001 HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\rX\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", // RFC 9112 5.2 obs-fold
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n", // RFC 9112 5.1 space before colon
        "GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n",
        "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
        "VERYLONGMETHODNAME / HTTP/1.1\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n",
        "SSH-2.0-OpenSSH_9.2p1\r\n",
        "\u0016\u0003\u0001\u0002\u0000\u0001"
      })
  void malformedRequestsAreNoMatch(String text) {
    assertInstanceOf(SniffResult.NoMatch.class, sniff(text));
  }

  @Test
  void longRequestLineIsNoMatch() {
    assertInstanceOf(
        SniffResult.NoMatch.class,
        sniff("GET /" + "a".repeat(HttpSniffer.MAX_REQUEST_LINE_LENGTH)));
  }

  @Test
  void rulesOutNonHttpWithinTheFirstBytes() {
    assertInstanceOf(SniffResult.NoMatch.class, sniff("\u0016"));
    assertInstanceOf(SniffResult.NoMatch.class, sniff("SSH-2"));
    assertInstanceOf(SniffResult.NoMatch.class, sniff("G\u0000"));
    assertInstanceOf(SniffResult.NeedMore.class, sniff("SSH-"));
  }

  @Test
  void atTheCapAPartialHeaderLineIsIgnored() {
    Buffer partial = Buffer.buffer("GET /x HTTP/1.1\r\nHost: a.example\r\nUpgr");
    assertEquals(
        SniffResult.match(Sniffed.http("a.example", false, List.of(), "GET /x")),
        http.sniffFinal(partial));
    assertInstanceOf(SniffResult.NeedMore.class, http.sniff(partial));
  }
}
