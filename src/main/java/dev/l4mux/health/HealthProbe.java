package dev.l4mux.health;

import dev.l4mux.config.HealthCheck;
import dev.l4mux.config.HostPort;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Runs one active check against one backend address on the caller's event loop and reports its
 * outcome; never fails its future. Bounded: the whole check (connect, handshake, exchange) must
 * finish within the check's {@code timeout}, and at most {@link #MAX_REPLY_BYTES} of a reply are
 * read.
 */
final class HealthProbe {

  /** The outcome of one check: success, and a short reason for logs and the admin API. */
  record Outcome(boolean success, String reason) {}

  static final int MAX_REPLY_BYTES = 4096;

  /** One instance, so Vert.x builds the (slow to make) TLS context once and reuses it. */
  private static final ClientSSLOptions UNVERIFIED_TLS = new ClientSSLOptions().setTrustAll(true).setHostnameVerificationAlgorithm("");

  private final Vertx vertx;
  private final NetClient client;

  HealthProbe(Vertx vertx, NetClient client) {
    this.vertx = vertx;
    this.client = client;
  }

  Future<Outcome> run(HostPort address, HealthCheck check) {
    Promise<Outcome> done = Promise.promise();
    boolean tls = check.kind() == HealthCheck.Kind.TLS || (check.kind() == HealthCheck.Kind.HTTP && check.sni() != null);
    ConnectOptions options = new ConnectOptions()
        .setHost(address.host())
        .setPort(address.port())
        .setTimeout((int) Math.max(1, check.timeout().toMillis()));
    if (tls) {
      // Checks the backend speaks TLS, not who it is: the certificate is not verified.
      options.setSsl(true).setSslOptions(UNVERIFIED_TLS);
      if (check.sni() != null) {
        options.setSniServerName(check.sni());
      }
    }
    NetSocket[] socket = new NetSocket[1];
    long timer = vertx.setTimer(Math.max(1, check.timeout().toMillis()), t -> {
      if (done.tryComplete(new Outcome(false, "timed out after " + check.timeout().toMillis() + "ms")) && socket[0] != null) {
        socket[0].close();
      }
    });
    done.future().onComplete(r -> vertx.cancelTimer(timer));
    client.connect(options).onComplete(connected -> {
      if (connected.failed()) {
        done.tryComplete(new Outcome(false, (tls ? "connect/handshake failed: " : "connect failed: ") + message(connected.cause())));
        return;
      }
      NetSocket s = connected.result();
      socket[0] = s;
      if (done.future().isComplete()) {
        s.close();
        return;
      }
      switch (check.kind()) {
        case TCP -> finish(s, done, new Outcome(true, "connected"));
        case TLS -> finish(s, done, new Outcome(true, "handshake completed"));
        case SEND_EXPECT -> exchange(s, done, check.send(), check.expect());
        case HTTP -> http(s, done, address, check);
      }
    });
    return done.future();
  }

  private static void finish(NetSocket s, Promise<Outcome> done, Outcome outcome) {
    done.tryComplete(outcome);
    s.close();
  }

  /** send_expect: writes {@code send} and matches the first bytes of the reply. */
  private static void exchange(NetSocket s, Promise<Outcome> done, String send, String expect) {
    Pattern regex = expect.startsWith("~") ? Pattern.compile(expect.substring(1)) : null;
    Buffer reply = Buffer.buffer();
    s.handler(data -> {
      int room = MAX_REPLY_BYTES - reply.length();
      reply.appendBuffer(data.length() > room ? data.getBuffer(0, room) : data);
      String text = reply.toString(StandardCharsets.ISO_8859_1);
      boolean matched = regex != null ? regex.matcher(text).find() : text.startsWith(expect);
      if (matched) {
        finish(s, done, new Outcome(true, "reply matched"));
      } else if (regex == null && text.length() >= expect.length() || reply.length() >= MAX_REPLY_BYTES) {
        finish(s, done, new Outcome(false, "unexpected reply: " + printable(text)));
      }
    });
    s.endHandler(v -> done.tryComplete(new Outcome(false, "closed after " + (reply.length() == 0 ? "no reply" : "reply " + printable(reply.toString(StandardCharsets.ISO_8859_1))))));
    s.exceptionHandler(e -> done.tryComplete(new Outcome(false, "error: " + message(e))));
    if (!send.isEmpty()) {
      s.write(Buffer.buffer(send.getBytes(StandardCharsets.ISO_8859_1)));
    }
  }

  /** http: an HTTP/1.1 GET; the status line's code must fall in the range (RFC 9112 section 4). */
  private static void http(NetSocket s, Promise<Outcome> done, HostPort address, HealthCheck check) {
    String host = check.host() != null ? check.host() : address.toString();
    String request = "GET " + check.path() + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: l4mux-health\r\nConnection: close\r\n\r\n";
    Buffer reply = Buffer.buffer();
    s.handler(data -> {
      reply.appendBuffer(data);
      String text = reply.toString(StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n");
      if (end < 0 && reply.length() < MAX_REPLY_BYTES) {
        return;
      }
      String statusLine = end < 0 ? text : text.substring(0, end);
      int status = statusOf(statusLine);
      if (status < 0) {
        finish(s, done, new Outcome(false, "not an HTTP status line: " + printable(statusLine)));
      } else if (status < check.statusLow() || status > check.statusHigh()) {
        finish(s, done, new Outcome(false, "status " + status));
      } else {
        finish(s, done, new Outcome(true, "status " + status));
      }
    });
    s.endHandler(v -> done.tryComplete(new Outcome(false, "closed before a status line")));
    s.exceptionHandler(e -> done.tryComplete(new Outcome(false, "error: " + message(e))));
    s.write(Buffer.buffer(request.getBytes(StandardCharsets.ISO_8859_1)));
  }

  /** The status code of {@code HTTP/1.x NNN reason}, or -1. */
  static int statusOf(String statusLine) {
    if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.") || statusLine.charAt(8) != ' ') {
      return -1;
    }
    String code = statusLine.substring(9, 12);
    if (!code.chars().allMatch(c -> c >= '0' && c <= '9') || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
      return -1;
    }
    return Integer.parseInt(code);
  }

  private static String printable(String text) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < text.length() && i < 60; i++) {
      char c = text.charAt(i);
      b.append(c >= ' ' && c < 127 ? String.valueOf(c) : String.format("\\x%02x", (int) c));
    }
    return "'" + b + (text.length() > 60 ? "...'" : "'");
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
