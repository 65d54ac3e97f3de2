package dev.l4mux.config;

import dev.l4mux.config.ConfigReader.Section;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a route's backend handling for {@link RouteParser}: {@code sticky}, {@code retries},
 * {@code health}, {@code outlier}, {@code onRemove} and {@code onBackendDown}.
 */
final class BackendPolicyParser {

  static final List<String> KEYS =
      List.of("sticky", "retries", "health", "outlier", "onRemove", "onBackendDown");
  private static final List<String> STICKY = List.of("ttl");
  private static final List<String> HEALTH =
      List.of("kind", "interval", "timeout", "rise", "fall", "sni", "send", "sendHex", "expect", "path", "host", "status");
  private static final List<String> OUTLIER = List.of("consecutiveFailures", "ejection");
  private static final List<String> KINDS =
      Arrays.stream(HealthCheck.Kind.values()).map(HealthCheck.Kind::configName).toList();
  private static final List<String> ON_REMOVE = List.of("drain", "keep", "close");
  private static final List<String> ON_BACKEND_DOWN = List.of("keep", "close");
  private static final Pattern STATUS = Pattern.compile("([1-5][0-9][0-9])(?:-([1-5][0-9][0-9]))?");

  static final int MAX_RETRIES = 16;
  static final int MAX_RISE_FALL = 100;

  private final ConfigReader r;

  BackendPolicyParser(ConfigReader r) {
    this.r = r;
  }

  /** The route's policy; null when anything in it is invalid (errors recorded). */
  BackendPolicy policy(Section s) {
    Duration ttl = BackendPolicy.DEFAULT_STICKY_TTL;
    Section sticky = s.section("sticky", STICKY);
    if (sticky != null && sticky.has("ttl")) {
      ttl = sticky.duration("ttl", false);
    }
    Integer retries = s.has("retries") ? s.integer("retries", 0, MAX_RETRIES) : Integer.valueOf(BackendPolicy.DEFAULT_RETRIES);
    HealthCheck health = s.has("health") ? health(s.section("health", HEALTH)) : null;
    boolean healthValid = !s.has("health") || health != null;
    Outlier outlier = s.has("outlier") ? outlier(s.section("outlier", OUTLIER)) : null;
    boolean outlierValid = !s.has("outlier") || outlier != null;
    String onRemove = s.has("onRemove") ? s.choice("onRemove", ON_REMOVE) : "keep";
    String onBackendDown = s.has("onBackendDown") ? s.choice("onBackendDown", ON_BACKEND_DOWN) : "keep";
    if (ttl == null || retries == null || !healthValid || !outlierValid || onRemove == null || onBackendDown == null) {
      return null;
    }
    return new BackendPolicy(ttl, retries, health, outlier,
        BackendPolicy.OnRemove.valueOf(onRemove.toUpperCase(Locale.ROOT)), onBackendDown.equals("close"));
  }

  private HealthCheck health(Section s) {
    if (s == null) {
      return null;
    }
    int errorsBefore = r.errorCount();
    String kindName = s.has("kind") ? s.choice("kind", KINDS) : "tcp";
    HealthCheck.Kind kind = kindName == null ? null : HealthCheck.Kind.valueOf(kindName.toUpperCase(Locale.ROOT));
    Duration interval = s.has("interval") ? s.duration("interval", false) : HealthCheck.DEFAULT_INTERVAL;
    Duration timeout = s.has("timeout") ? s.duration("timeout", false) : HealthCheck.DEFAULT_TIMEOUT;
    Integer rise = s.has("rise") ? s.integer("rise", 1, MAX_RISE_FALL) : Integer.valueOf(HealthCheck.DEFAULT_RISE);
    Integer fall = s.has("fall") ? s.integer("fall", 1, MAX_RISE_FALL) : Integer.valueOf(HealthCheck.DEFAULT_FALL);
    String sni = s.string("sni");
    String send = s.has("send") ? s.value("send", "a string", t -> t) : "";
    if (s.has("sendHex")) {
      send = s.value("sendHex", "hex digits such as 50494e470d0a", BackendPolicyParser::hexAsLatin1);
      if (s.has("send")) {
        r.error(s.at("sendHex"), "give send or sendHex, not both");
      }
    }
    String expect = s.has("expect") ? s.value("expect", "a literal prefix or ~regex", BackendPolicyParser::expect) : null;
    String path = s.has("path") ? s.value("path", "a path such as /healthz", BackendPolicyParser::path) : "/";
    String host = s.string("host");
    int[] status = s.has("status") ? s.value("status", "a status or range such as 200-399", BackendPolicyParser::status) : new int[] {200, 399};
    if (interval != null && timeout != null && timeout.compareTo(interval) > 0) {
      r.error(s.at("timeout"), "must not exceed interval (" + interval.toMillis() + "ms)");
    }
    if (kind != null) {
      onlyWith(s, kind, HealthCheck.Kind.SEND_EXPECT, "send", "sendHex", "expect");
      onlyWith(s, kind, HealthCheck.Kind.HTTP, "path", "host", "status");
      if (s.has("sni") && kind != HealthCheck.Kind.TLS && kind != HealthCheck.Kind.HTTP) {
        r.error(s.at("sni"), "only used with kind tls or http (http over TLS)");
      }
      if (kind == HealthCheck.Kind.SEND_EXPECT && !s.has("expect")) {
        r.error(s.at("expect"), "required with kind send_expect");
      }
    }
    if (r.errorCount() != errorsBefore || kind == null || status == null) {
      return null;
    }
    return new HealthCheck(kind, interval, timeout, rise, fall, sni, send, expect, path, host, status[0], status[1]);
  }

  private void onlyWith(Section s, HealthCheck.Kind kind, HealthCheck.Kind wanted, String... keys) {
    for (String key : keys) {
      if (s.has(key) && kind != wanted) {
        r.error(s.at(key), "only used with kind " + wanted.configName());
      }
    }
  }

  private Outlier outlier(Section s) {
    if (s == null) {
      return null;
    }
    Integer failures = s.has("consecutiveFailures") ? s.integer("consecutiveFailures", 1, MAX_RISE_FALL) : Integer.valueOf(5);
    Duration ejection = s.has("ejection") ? s.duration("ejection", false) : Duration.ofSeconds(30);
    return failures == null || ejection == null ? null : new Outlier(failures, ejection);
  }

  private static String hexAsLatin1(String hex) {
    try {
      return new String(HexFormat.of().parseHex(hex.replace(" ", "")), StandardCharsets.ISO_8859_1);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid hex '" + hex + "' (expected pairs of hex digits)");
    }
  }

  private static String expect(String written) {
    if (written.startsWith("~")) {
      try {
        Pattern.compile(written.substring(1));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("invalid regex: " + e.getDescription());
      }
    }
    return written;
  }

  private static String path(String written) {
    if (!written.startsWith("/") || written.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
      throw new IllegalArgumentException("invalid path '" + written + "' (expected /..., no spaces or control bytes)");
    }
    return written;
  }

  private static int[] status(String written) {
    Matcher m = STATUS.matcher(written);
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid status '" + written + "' (expected e.g. 200 or 200-399)");
    }
    int low = Integer.parseInt(m.group(1));
    int high = m.group(2) == null ? low : Integer.parseInt(m.group(2));
    if (high < low) {
      throw new IllegalArgumentException("status range '" + written + "' ends before it starts");
    }
    return new int[] {low, high};
  }
}
