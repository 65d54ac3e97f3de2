package dev.l4mux.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/**
 * HTTP-01 validation requests (RFC 8555 8.3). The request below is what pebble 2.4 sent to l4mux in
 * AcmeIT (its Go HTTP client's request line and first headers; the token is one it issued).
 */
class AcmeHttpChallengeParserTest {

  private static final String TOKEN = "Mq8G6i5nXOG4N2Jv0yVn2m1FUnKfKcNYm8yqtuW8Sxo";
  private static final String REQUEST = "GET /.well-known/acme-challenge/" + TOKEN + " HTTP/1.1\r\nHost: http.test\r\n"
      + "User-Agent: Go-http-client/1.1\r\nAccept: */*\r\nAccept-Encoding: gzip\r\n\r\n";

  @Test
  void readsTheTokenOfAValidationRequest() {
    assertEquals(new AcmeHttpChallengeParser.Result.Token(TOKEN), AcmeHttpChallengeParser.parse(Buffer.buffer(REQUEST)));
  }

  @Test
  void needsMoreUntilTheTokenAndVersionAreThere() {
    int end = REQUEST.indexOf(" HTTP/1.") + " HTTP/1.".length();
    for (int i = 0; i < end; i++) {
      assertInstanceOf(AcmeHttpChallengeParser.Result.NeedMore.class, AcmeHttpChallengeParser.parse(Buffer.buffer(REQUEST.substring(0, i))),
          "prefix of " + i + " bytes");
    }
    assertInstanceOf(AcmeHttpChallengeParser.Result.Token.class, AcmeHttpChallengeParser.parse(Buffer.buffer(REQUEST.substring(0, end))));
  }

  @Test
  void otherRequestsAreNoMatch() {
    for (String other : new String[] {
        "GET / HTTP/1.1\r\n\r\n",
        "POST /.well-known/acme-challenge/" + TOKEN + " HTTP/1.1\r\n\r\n",
        "GET /.well-known/acme-challenge/ HTTP/1.1\r\n\r\n",
        "GET /.well-known/acme-challenge/a/b HTTP/1.1\r\n\r\n",
        "GET /.well-known/acme-challenge/" + TOKEN + "?x=1 HTTP/1.1\r\n\r\n",
        "GET /.well-known/acme-challenge/" + TOKEN + " HTTP/2.0\r\n\r\n",
        "GET /.well-known/acme-challenge/" + "a".repeat(AcmeHttpChallengeParser.MAX_TOKEN + 1) + " HTTP/1.1\r\n\r\n",
        "\u0016\u0003\u0001\u0002\u0000"}) {
      assertInstanceOf(AcmeHttpChallengeParser.Result.NoMatch.class, AcmeHttpChallengeParser.parse(Buffer.buffer(other)), other);
    }
  }
}
