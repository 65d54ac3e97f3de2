package dev.l4mux.config;

import dev.l4mux.config.ConfigReader.Item;
import dev.l4mux.config.ConfigReader.Loc;
import dev.l4mux.config.ConfigReader.Section;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a configuration tree (CONTRACT section 3, as JSON) into a validated {@link L4muxConfig}, or
 * rejects it whole with every problem found, each named by its path ({@code
 * routes[1].backends[0].address: missing port in '10.0.0.1' (expected host:port)}), in document
 * order.
 *
 * <p>Beyond the contract: {@code listeners[].bind} also accepts a single string; {@code
 * routes[].halfClose} (default false) relays a FIN one way instead of closing both sides; a key set
 * to null reads as absent.
 */
public final class ConfigParser {

  /**
   * Features that are parsed and validated, then refused with {@code not supported yet: <what>}.
   * Keys are a path with list indices erased, optionally {@code =value}. The issue that implements
   * a feature deletes its line (and reads the value into the model).
   */
  static final Map<String, String> NOT_SUPPORTED_YET = Map.of();

  private static final List<String> TOP = List.of("admin", "defaults", "listeners", "routes");
  private static final List<String> ADMIN = List.of("listen", "token");
  private static final List<String> DEFAULTS = List.of("timeouts", "maxSniffBytes", "keepAlive", "limits");
  private static final List<String> LIMITS = List.of("maxConnections", "maxUdpFlows", "perIpTableSize");
  static final int MAX_UDP_FLOWS = 10_000_000;
  static final int MAX_PER_IP_TABLE_SIZE = 10_000_000;
  private static final List<String> TIMEOUTS =
      List.of("sniff", "proxyHeader", "connect", "idle", "drain", "udpIdle", "maxLifetime");

  private static final List<String> KEEP_ALIVES = List.of("standard", "extended", "immortal");

  static final int MIN_SNIFF_BYTES = 256;
  static final int MAX_SNIFF_BYTES = 1 << 20;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");

  private final ConfigReader r = new ConfigReader(NOT_SUPPORTED_YET);
  private final ListenerParser listenerParser = new ListenerParser(r);
  private final RouteParser routeParser = new RouteParser(r);
  private final Map<String, Loc> listenerNamesSeen = new HashMap<>();
  private final Map<String, Loc> routeNamesSeen = new HashMap<>();

  private ConfigParser() {}

  /**
   * Parses and validates a whole configuration.
   *
   * @throws ConfigException with one {@link ConfigError} per problem, in document order
   */
  public static L4muxConfig parse(JsonObject json) {
    ConfigParser p = new ConfigParser();
    L4muxConfig config = p.config(json);
    if (p.r.hasErrors()) {
      throw new ConfigException(p.r.errors());
    }
    return config;
  }

  /** Every problem in {@code json}, in document order; empty when it would parse. */
  public static List<ConfigError> validate(JsonObject json) {
    try {
      parse(json);
      return List.of();
    } catch (ConfigException e) {
      return e.errors();
    }
  }

  private L4muxConfig config(JsonObject json) {
    Section top = r.root(json, TOP);
    AdminConfig admin = admin(top.section("admin", ADMIN));
    Defaults defaults = defaults(top.section("defaults", DEFAULTS));
    List<Item> listenerItems = top.list("listeners", "a list of listeners");
    List<Item> routeItems = top.list("routes", "a list of routes");
    // Names are collected up front so references can point forwards; null when the list itself
    // is broken, which turns reference checks off rather than flagging every reference.
    Set<String> listenerNames = names(top, "listeners", listenerItems);
    Set<String> routeNames = names(top, "routes", routeItems);

    List<ListenerConfig> listeners = new ArrayList<>();
    for (Item item : listenerItems == null ? List.<Item>of() : listenerItems) {
      Section s = r.section(item.loc(), item.value(), ListenerParser.KEYS);
      String name = s == null ? null : name(s, "listener", listenerNamesSeen);
      listeners.add(s == null ? null : listenerParser.listener(s, name, defaults, routeNames));
    }
    List<RouteConfig> routes = new ArrayList<>();
    for (Item item : routeItems == null ? List.<Item>of() : routeItems) {
      Section s = r.section(item.loc(), item.value(), RouteParser.KEYS);
      String name = s == null ? null : name(s, "route", routeNamesSeen);
      if (ListenerConfig.REJECT.equals(name)) {
        r.error(s.at("name"), "'reject' is reserved (it means no route in listeners[].fallback)");
      }
      RouteConfig route = s == null ? null : routeParser.route(s, name, defaults, listenerNames);
      routes.add(route);
      if (route != null && route.proxyProtocol().version() == ProxyProtocolSend.Version.V1 && servesUdp(route, listeners)) {
        r.error(s.at("proxyProtocol"),
            "PROXY v1 cannot describe a UDP flow (a UDP listener uses this route): send v2 (DGRAM), or list the route's TCP listeners");
      }
      if (route != null && route.tls().mode() != TlsConfig.Mode.PASSTHROUGH && servesUdp(route, listeners)) {
        r.error(s.at("tls"), "not supported yet: TLS termination for UDP flows (a UDP listener uses this route)");
      }
    }
    if (r.hasErrors()) {
      return null;
    }
    return new L4muxConfig(admin, defaults, listeners, routes, json);
  }

  /** True when a UDP listener can pick {@code route} (it names one, or names none and one exists). */
  private static boolean servesUdp(RouteConfig route, List<ListenerConfig> listeners) {
    for (ListenerConfig listener : listeners) {
      if (listener != null && listener.transport() == ListenerConfig.Transport.UDP
          && (route.listeners() == null || route.listeners().isEmpty() || route.listeners().contains(listener.name()))) {
        return true;
      }
    }
    return false;
  }

  private AdminConfig admin(Section s) {
    if (s == null) {
      return AdminConfig.DEFAULT;
    }
    HostPort listen = AdminConfig.DEFAULT.listen();
    if (s.has("listen")) {
      listen = s.value("listen", "an address such as 127.0.0.1:9900", ConfigValues::listenAddress);
    }
    String token = AdminConfig.DEFAULT.token();
    if (s.has("token")) {
      // Not r.string(): an explicit empty token is allowed on loopback.
      if (s.get("token") instanceof String t) {
        token = t;
      } else {
        r.error(s.at("token"), "expected a string, got " + ConfigReader.describe(s.get("token")));
        token = null;
      }
    }
    if (listen != null
        && token != null
        && token.isEmpty()
        && !ConfigValues.isLoopback(listen.host())) {
      r.error(s.at("token"), "required when admin.listen is not loopback");
    }
    return listen == null || token == null ? null : new AdminConfig(listen, token);
  }

  private Defaults defaults(Section s) {
    if (s == null) {
      return Defaults.DEFAULT;
    }
    Timeouts timeouts = timeouts(s.section("timeouts", TIMEOUTS), TIMEOUTS, Timeouts.DEFAULT);
    Integer maxSniff = s.integer("maxSniffBytes", MIN_SNIFF_BYTES, MAX_SNIFF_BYTES);
    KeepAlive keepAlive = keepAlive(s, Defaults.DEFAULT.keepAlive());
    Section limits = s.section("limits", LIMITS);
    Integer maxUdpFlows = null;
    Integer perIpTableSize = null;
    Integer maxConnections = null;
    if (limits != null) {
      maxConnections = limits.integer("maxConnections", 0, Integer.MAX_VALUE);
      maxUdpFlows = limits.integer("maxUdpFlows", 1, MAX_UDP_FLOWS);
      perIpTableSize = limits.integer("perIpTableSize", 1, MAX_PER_IP_TABLE_SIZE);
    }
    // Invalid parts fall back to their defaults so listeners and routes can still be checked.
    return new Defaults(
        timeouts,
        maxSniff == null ? Defaults.DEFAULT_MAX_SNIFF_BYTES : maxSniff,
        keepAlive,
        maxUdpFlows == null ? Defaults.DEFAULT_MAX_UDP_FLOWS : maxUdpFlows,
        perIpTableSize == null ? Defaults.DEFAULT_PER_IP_TABLE_SIZE : perIpTableSize,
        maxConnections == null ? 0 : maxConnections);
  }

  /** Reads a required, unique name; reports a duplicate at the later one. */
  private String name(Section s, String kind, Map<String, Loc> seen) {
    if (!s.require("name")) {
      return null;
    }
    String name = s.value("name", "a name", ConfigParser::checkName);
    if (name == null) {
      return null;
    }
    Loc first = seen.putIfAbsent(name, s.at("name"));
    if (first != null) {
      r.error(
          s.at("name"),
          "duplicate " + kind + " name '" + name + "' (first at " + first.path() + ")");
      return null;
    }
    return name;
  }

  private static String checkName(String name) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid name '" + name + "' (letters, digits, '_', '.' and '-' only)");
    }
    return name;
  }

  /** Valid names in a list of maps, or null when the list itself is broken. */
  private static Set<String> names(Section top, String key, List<Item> items) {
    if (items == null) {
      return top.has(key) ? null : Set.of();
    }
    Set<String> names = new HashSet<>();
    for (Item item : items) {
      if (item.value() instanceof JsonObject o
          && o.getValue("name") instanceof String n
          && NAME.matcher(n).matches()) {
        names.add(n);
      }
    }
    return names;
  }

  /**
   * Reads the timeout keys of {@code s} allowed by {@code keys} over {@code base}; invalid ones
   * keep their base value (the error is recorded).
   */
  static Timeouts timeouts(Section s, List<String> keys, Timeouts base) {
    if (s == null) {
      return base;
    }
    return new Timeouts(
        duration(s, keys, "sniff", base.sniff(), false),
        duration(s, keys, "proxyHeader", base.proxyHeader(), false),
        duration(s, keys, "connect", base.connect(), false),
        duration(s, keys, "idle", base.idle(), false),
        // A zero drain closes at once on shutdown: a legitimate choice.
        duration(s, keys, "drain", base.drain(), true),
        duration(s, keys, "udpIdle", base.udpIdle(), false),
        // Zero: unlimited (CONTRACT section 3).
        duration(s, keys, "maxLifetime", base.maxLifetime(), true),
        duration(s, keys, "firstResponse", base.firstResponse(), true));
  }

  private static Duration duration(
      Section s, List<String> keys, String key, Duration base, boolean zeroAllowed) {
    if (!keys.contains(key) || !s.has(key)) {
      return base;
    }
    Duration d = s.duration(key, zeroAllowed);
    return d == null ? base : d;
  }

  static KeepAlive keepAlive(Section s, KeepAlive base) {
    if (!s.has("keepAlive")) {
      return base;
    }
    String k = s.choice("keepAlive", KEEP_ALIVES);
    return k == null ? base : KeepAlive.valueOf(k.toUpperCase(Locale.ROOT));
  }
}
