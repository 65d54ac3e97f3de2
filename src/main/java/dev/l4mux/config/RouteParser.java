package dev.l4mux.config;

import dev.l4mux.config.ConfigReader.Item;
import dev.l4mux.config.ConfigReader.Section;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads one entry of {@code routes} for {@link ConfigParser}: match, backends, balance, the
 * sections not supported yet (validated all the same), and the route's effective timeouts.
 */
final class RouteParser {

  static final List<String> KEYS =
      List.of(
          "name",
          "listeners",
          "match",
          "backends",
          "balance",
          "tls",
          "proxyProtocol",
          "access",
          "limits",
          "timeouts",
          "keepAlive",
          "halfClose",
          "sticky",
          "retries",
          "health",
          "outlier",
          "onRemove",
          "onBackendDown");
  private static final List<String> MATCH = List.of("protocol", "sni", "alpn", "host", "source");
  private static final List<String> BACKEND = List.of("address", "weight");
  private static final List<String> TIMEOUTS =
      List.of("sniff", "proxyHeader", "connect", "idle", "drain", "udpIdle", "maxLifetime", "firstResponse");

  private static final List<String> PROTOCOLS =
      List.of("tls", "http", "ssh", "quic", "wireguard", "unknown", "any");
  private static final List<String> BALANCES =
      Arrays.stream(Balance.values()).map(Balance::configName).toList();

  static final int MAX_WEIGHT = 1000;
  private static final int MAX_ALPN_BYTES = 255; // RFC 7301 3.1: opaque ProtocolName<1..2^8-1>

  private final ConfigReader r;
  private final ProxyProtocolParser proxyProtocol;
  private final BackendPolicyParser policyParser;
  private final TlsParser tlsParser;

  RouteParser(ConfigReader r) {
    this.r = r;
    this.proxyProtocol = new ProxyProtocolParser(r);
    this.policyParser = new BackendPolicyParser(r);
    this.tlsParser = new TlsParser(r);
  }

  /**
   * Reads a route whose name the caller already read (null if invalid).
   *
   * @param listenerNames valid listener names, or null to skip reference checks
   * @return the route, or null when anything in it is invalid (errors recorded)
   */
  RouteConfig route(Section s, String name, Defaults defaults, Set<String> listenerNames) {
    List<String> listeners = listeners(s, listenerNames);
    Match match = s.has("match") ? match(s.section("match", MATCH)) : Match.ANY;
    List<BackendConfig> backends = backends(s);
    Balance balance = Balance.ROUND_ROBIN;
    if (s.has("balance")) {
      String b = s.choice("balance", BALANCES);
      balance = b == null ? null : Balance.valueOf(b.toUpperCase(Locale.ROOT));
    }
    TlsConfig tls = tlsParser.tls(s.section("tls", TlsParser.KEYS), match);
    ProxyProtocolSend pp = proxyProtocol.send(s.section("proxyProtocol", ProxyProtocolParser.SEND));
    AccessConfig access = proxyProtocol.access(s.section("access", ProxyProtocolParser.ACCESS));
    Limits limits = LimitsParser.limits(s.section("limits", LimitsParser.KEYS));
    Timeouts timeouts =
        ConfigParser.timeouts(s.section("timeouts", TIMEOUTS), TIMEOUTS, defaults.timeouts());
    KeepAlive keepAlive = ConfigParser.keepAlive(s, defaults.keepAlive());
    Boolean halfClose = s.has("halfClose") ? s.bool("halfClose") : Boolean.FALSE;
    BackendPolicy policy = policyParser.policy(s);
    if (policy == null || limits == null) {
      return null;
    }
    if (name == null
        || listeners == null
        || match == null
        || backends == null
        || balance == null
        || halfClose == null
        || pp == null
        || access == null
        || tls == null) {
      return null;
    }
    return new RouteConfig(
        name, listeners, match, backends, balance, timeouts, keepAlive, halfClose, pp, access, policy, limits, tls);
  }

  private List<String> listeners(Section s, Set<String> listenerNames) {
    if (!s.has("listeners")) {
      return List.of();
    }
    List<Item> items = s.list("listeners", "a list of listener names");
    if (items == null) {
      return null;
    }
    if (items.isEmpty()) {
      r.error(s.at("listeners"), "must not be empty (omit it to apply to every listener)");
      return null;
    }
    List<String> out = new ArrayList<>();
    for (Item item : items) {
      String n = r.string(item.loc(), item.value(), "a listener name");
      if (n == null) {
        continue;
      }
      if (listenerNames != null && !listenerNames.contains(n)) {
        r.error(item.loc(), "no listener named '" + n + "'");
      } else if (out.contains(n)) {
        r.error(item.loc(), "listener '" + n + "' is listed twice");
      } else {
        out.add(n);
      }
    }
    return out.size() == items.size() ? out : null;
  }

  private Match match(Section s) {
    if (s == null) {
      return null;
    }
    String protocol = s.has("protocol") ? s.choice("protocol", PROTOCOLS) : "any";
    List<NamePattern> sni =
        s.values("sni", "a list of name patterns", "a name pattern", NamePattern::parse);
    List<String> alpn =
        s.values("alpn", "a list of ALPN protocol ids", "an ALPN protocol id", RouteParser::alpn);
    List<NamePattern> host =
        s.values("host", "a list of name patterns", "a name pattern", NamePattern::parse);
    List<Cidr> source = s.values("source", "a list of CIDRs", "a CIDR", Cidr::parse);
    if (protocol == null || sni == null || alpn == null || host == null || source == null) {
      return null;
    }
    return new Match(protocol.equals("any") ? null : protocol, sni, alpn, host, source);
  }

  static String alpn(String id) {
    if (id.getBytes(StandardCharsets.UTF_8).length > MAX_ALPN_BYTES) {
      throw new IllegalArgumentException("ALPN protocol id longer than 255 bytes");
    }
    return id;
  }

  private List<BackendConfig> backends(Section s) {
    if (!s.require("backends")) {
      return null;
    }
    List<Item> items = s.list("backends", "a list of backends");
    if (items == null) {
      return null;
    }
    if (items.isEmpty()) {
      r.error(s.at("backends"), "must not be empty");
      return null;
    }
    List<BackendConfig> out = new ArrayList<>();
    for (Item item : items) {
      Section b = r.section(item.loc(), item.value(), BACKEND);
      if (b == null) {
        continue;
      }
      HostPort address = null;
      if (b.require("address")) {
        address =
            b.value("address", "an address such as 127.0.0.1:22 or builtin:http", RouteParser::backendAddress);
      }
      Integer weight = b.has("weight") ? b.integer("weight", 1, MAX_WEIGHT) : Integer.valueOf(1);
      if (address != null && weight != null) {
        out.add(new BackendConfig(address, weight));
      }
    }
    return out.size() == items.size() ? out : null;
  }

  private static HostPort backendAddress(String written) {
    if (written.startsWith(HostPort.BUILTIN_PREFIX)) {
      return HostPort.builtin(written); // a demo and test aid: the node serves it itself
    }
    HostPort a = ConfigValues.hostPort(written);
    if (ConfigValues.isWildcard(a.host())) {
      throw new IllegalArgumentException(
          a.host() + " is not a backend host (it means every local interface)");
    }
    return a;
  }

}
