package dev.l4mux.config;

import java.time.Duration;

/**
 * A route's active health check ({@code routes[].health}, CONTRACT section 3). Value-equal, so
 * routes that check one backend address the same way share one schedule.
 *
 * @param send send_expect: the bytes to send, one char per byte (ISO-8859-1); empty for none
 * @param expect send_expect: a literal prefix, or {@code ~regex} on the first bytes; null for none
 * @param sni tls (and http with {@code tls}): the server name to send; null for none
 * @param path http: the request path
 * @param host http: the Host header; null means the backend address
 * @param statusLow http: lowest accepted status
 * @param statusHigh http: highest accepted status
 */
public record HealthCheck(
    Kind kind,
    Duration interval,
    Duration timeout,
    int rise,
    int fall,
    String sni,
    String send,
    String expect,
    String path,
    String host,
    int statusLow,
    int statusHigh) {

  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
  public static final int DEFAULT_RISE = 2;
  public static final int DEFAULT_FALL = 3;

  /** What one check does. */
  public enum Kind {
    /** A TCP connect. */
    TCP,
    /** A TLS handshake (certificate not verified). */
    TLS,
    /** Bytes out, a literal prefix or a regex in. */
    SEND_EXPECT,
    /** An HTTP/1.1 GET whose status must fall in a range. */
    HTTP;

    public String configName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
