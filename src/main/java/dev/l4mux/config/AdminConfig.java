package dev.l4mux.config;

/** The admin HTTP server: where it listens and the bearer token for {@code /api}. */
public record AdminConfig(HostPort listen, String token) {

  public static final AdminConfig DEFAULT = new AdminConfig(new HostPort("127.0.0.1", 9900), "");
}
