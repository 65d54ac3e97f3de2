package dev.l4mux.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a rejected client is told before the close, in its own protocol (CONTRACT section 3): a
 * fatal TLS alert, or a small HTTP error page naming l4mux; other protocols just see the close.
 */
final class Rejections {

  // RFC 8446 6 / RFC 5246 7.2: alert record = type 21, version, length 2, level, description.
  private static final byte CONTENT_TYPE_ALERT = 21;
  private static final byte ALERT_LEVEL_FATAL = 2;
  private static final byte HANDSHAKE_FAILURE = 40; // RFC 8446 6.2
  private static final byte ACCESS_DENIED = 49; // RFC 8446 6.2
  private static final byte INTERNAL_ERROR = 80; // RFC 8446 6.2
  private static final byte UNRECOGNIZED_NAME = 112; // RFC 6066 3: no server for the SNI

  /** Made once per protocol and reason: under a flood of rejected clients this is the hot path. */
  private static final Map<String, byte[]> MESSAGES = new ConcurrentHashMap<>();
  private static final byte[] NONE = new byte[0];

  private Rejections() {}

  /** The bytes to send before closing, or null to close silently. */
  static ByteBuf message(String protocol, String reason) {
    String key = protocol + "/" + reason;
    byte[] bytes = MESSAGES.get(key); // get first: computeIfAbsent may lock a bin that another loop uses
    if (bytes == null) {
      bytes = MESSAGES.computeIfAbsent(key, k -> switch (protocol) {
        case "tls" -> tlsAlert(tlsAlertFor(reason));
        case "http" -> httpPage(reason);
        default -> NONE;
      });
    }
    return bytes.length == 0 ? null : Unpooled.wrappedBuffer(bytes);
  }

  /** Sends {@code client} the {@link #message} for its protocol and the reason, if any, while it is open. */
  static void send(Channel client, String protocol, String reason) {
    ByteBuf message = client.isActive() ? message(protocol, reason) : null;
    if (message != null) {
      client.writeAndFlush(message, client.voidPromise());
    }
  }

  private static byte tlsAlertFor(String reason) {
    return switch (reason) {
      case "no_route" -> UNRECOGNIZED_NAME;
      case "denied" -> ACCESS_DENIED;
      case "limit", "rate", "backend_unavailable" -> INTERNAL_ERROR;
      default -> HANDSHAKE_FAILURE;
    };
  }

  private static byte[] tlsAlert(byte description) {
    // Version 0x0301 in the record layer: acceptable to every TLS version's client (RFC 8446 5.1).
    return new byte[] {CONTENT_TYPE_ALERT, 3, 1, 0, 2, ALERT_LEVEL_FATAL, description};
  }

  private static byte[] httpPage(String reason) {
    int status;
    String title;
    switch (reason) {
      case "denied" -> {
        status = 403;
        title = "Forbidden";
      }
      case "limit", "rate" -> {
        status = 503;
        title = "Service Unavailable";
      }
      case "backend_unavailable" -> {
        status = 502;
        title = "Bad Gateway";
      }
      default -> {
        status = 404;
        title = "Not Found";
      }
    }
    String body =
        "<!DOCTYPE html>\n<html><head><title>" + status + " " + title + "</title></head>\n"
            + "<body><h1>" + status + " " + title + "</h1>\n<p>l4mux: " + reason.replace('_', ' ')
            + "</p></body></html>\n";
    byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 " + status + " " + title + "\r\n"
            + "Server: l4mux\r\n"
            + "Content-Type: text/html; charset=utf-8\r\n"
            + "Content-Length: " + bodyBytes.length + "\r\n"
            + "Connection: close\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    byte[] page = new byte[headBytes.length + bodyBytes.length];
    System.arraycopy(headBytes, 0, page, 0, headBytes.length);
    System.arraycopy(bodyBytes, 0, page, headBytes.length, bodyBytes.length);
    return page;
  }
}
