package dev.l4mux.config;

/** Backend selection policies (CONTRACT section 3, {@code balance}). */
public enum Balance {
  FIRST,
  ROUND_ROBIN,
  RANDOM,
  POWER_OF_TWO,
  LEAST_CONNECTIONS,
  SOURCE_IP,
  SOURCE_SOCKET,
  STICKY_SOURCE;

  /** The spelling used in config files. */
  public String configName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
