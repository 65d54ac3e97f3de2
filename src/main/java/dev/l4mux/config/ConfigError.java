package dev.l4mux.config;

/** One problem in a configuration, located by its path ({@code routes[1].backends[0].address}). */
public record ConfigError(String path, String message) {

  @Override
  public String toString() {
    return path + ": " + message;
  }
}
