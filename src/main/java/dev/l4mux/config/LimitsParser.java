package dev.l4mux.config;

import dev.l4mux.config.ConfigReader.Section;
import java.util.List;

/** Reads a {@code limits} map of a listener or route (CONTRACT section 3). */
final class LimitsParser {

  static final List<String> KEYS =
      List.of("maxConnections", "maxConnectionsPerIp", "connectionRatePerIp", "connectionRate");

  private LimitsParser() {}

  /** The limits in {@code s} (null section: none); null when any is invalid (errors recorded). */
  static Limits limits(Section s) {
    if (s == null) {
      return Limits.NONE;
    }
    Integer max = s.has("maxConnections") ? s.integer("maxConnections", 0, Integer.MAX_VALUE) : Integer.valueOf(0);
    Integer perIp = s.has("maxConnectionsPerIp") ? s.integer("maxConnectionsPerIp", 0, Integer.MAX_VALUE) : Integer.valueOf(0);
    boolean ok = max != null && perIp != null;
    Limits.Rate ratePerIp = null;
    Limits.Rate rate = null;
    if (s.has("connectionRatePerIp")) {
      ConfigValues.Rate r = s.value("connectionRatePerIp", "a rate such as 50/s", ConfigValues::rate);
      ok &= r != null;
      ratePerIp = r == null || r.count() == 0 ? null : new Limits.Rate(r.count(), r.per()); // 0/s: unlimited
    }
    if (s.has("connectionRate")) {
      ConfigValues.Rate r = s.value("connectionRate", "a rate such as 3000/s", ConfigValues::rate);
      ok &= r != null;
      rate = r == null || r.count() == 0 ? null : new Limits.Rate(r.count(), r.per());
    }
    return ok ? new Limits(max, perIp, ratePerIp, rate) : null;
  }
}
