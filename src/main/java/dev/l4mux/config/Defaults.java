package dev.l4mux.config;

/** The {@code defaults} section. */
public record Defaults(Timeouts timeouts, int maxSniffBytes, KeepAlive keepAlive) {

  public static final int DEFAULT_MAX_SNIFF_BYTES = 16384;

  public static final Defaults DEFAULT =
      new Defaults(Timeouts.DEFAULT, DEFAULT_MAX_SNIFF_BYTES, KeepAlive.STANDARD);
}
