package dev.l4mux.config;

import dev.l4mux.config.ConfigReader.Item;
import dev.l4mux.config.ConfigReader.Loc;
import dev.l4mux.config.ConfigReader.Section;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads one entry of {@code listeners} for {@link ConfigParser}: bind addresses (checked for
 * overlaps across every listener read by this instance), transport, PROXY protocol trust, access
 * list, fallback, and the listener's effective timeouts.
 */
final class ListenerParser {

  static final List<String> KEYS =
      List.of("name", "bind", "transport", "proxyProtocol", "access", "fallback", "timeouts", "limits");
  private static final List<String> TIMEOUTS = List.of("sniff", "proxyHeader", "udpIdle");
  private static final List<String> TRANSPORTS = List.of("tcp", "udp");

  private final ConfigReader r;
  private final ProxyProtocolParser proxyProtocol;
  private final List<Bound> bound = new ArrayList<>();

  ListenerParser(ConfigReader r) {
    this.r = r;
    this.proxyProtocol = new ProxyProtocolParser(r);
  }

  /**
   * Reads a listener whose name the caller already read (null if invalid).
   *
   * @param routeNames valid route names, or null to skip the fallback reference check
   * @return the listener, or null when anything in it is invalid (errors recorded)
   */
  ListenerConfig listener(Section s, String name, Defaults defaults, Set<String> routeNames) {
    String transport = s.has("transport") ? s.choice("transport", TRANSPORTS) : "tcp";
    List<BindAddress> bind = bind(s, transport);
    ProxyProtocolReceive pp = proxyProtocol.receive(s.section("proxyProtocol", ProxyProtocolParser.RECEIVE));
    AccessConfig access = proxyProtocol.access(s.section("access", ProxyProtocolParser.ACCESS));
    String fallback = ListenerConfig.REJECT;
    if (s.has("fallback")) {
      fallback = s.value("fallback", "reject or a route name", Function.identity());
      if (fallback != null
          && !fallback.equals(ListenerConfig.REJECT)
          && routeNames != null
          && !routeNames.contains(fallback)) {
        r.error(
            s.at("fallback"),
            "no route named '" + fallback + "' (expected reject or a route name)");
      }
    }
    Timeouts timeouts =
        ConfigParser.timeouts(s.section("timeouts", TIMEOUTS), TIMEOUTS, defaults.timeouts());
    Limits limits = LimitsParser.limits(s.section("limits", LimitsParser.KEYS));
    if (name == null || bind == null || transport == null || fallback == null || pp == null || access == null || limits == null) {
      return null;
    }
    ListenerConfig.Transport t =
        ListenerConfig.Transport.valueOf(transport.toUpperCase(Locale.ROOT));
    return new ListenerConfig(name, bind, t, fallback, timeouts, pp, access, limits);
  }

  /** A bound address with where it was written, for the overlap check (per transport). */
  private record Bound(Loc loc, BindAddress address, String hostKey, String transport) {}

  private List<BindAddress> bind(Section s, String transport) {
    if (!s.require("bind")) {
      return null;
    }
    List<Item> items =
        s.get("bind") instanceof String
            ? List.of(new Item(s.at("bind"), s.get("bind")))
            : s.list("bind", "a list of addresses");
    if (items == null) {
      return null;
    }
    if (items.isEmpty()) {
      r.error(s.at("bind"), "must not be empty");
      return null;
    }
    List<BindAddress> out = new ArrayList<>();
    for (Item item : items) {
      BindAddress a =
          r.value(
              item.loc(),
              item.value(),
              "an address such as 0.0.0.0:443",
              ConfigValues::bindAddress);
      if (a == null) {
        continue;
      }
      Bound mine = new Bound(item.loc(), a, ConfigValues.hostKey(a.host()), transport);
      for (Bound other : bound) {
        if (overlaps(mine, other)) {
          r.error(item.loc(), a + " overlaps " + other.loc().path() + " (" + other.address() + ")");
          break;
        }
      }
      bound.add(mine);
      out.add(a);
    }
    return out.size() == items.size() ? out : null;
  }

  /**
   * Same port on the same host, or on a literal of the family a wildcard covers (Linux refuses
   * 127.0.0.1:443 while 0.0.0.0:443 listens, even with SO_REUSEADDR). Port 0 never collides, and
   * {@code ::} against {@code 0.0.0.0} depends on net.ipv6.bindv6only, so it is not flagged. A TCP
   * and a UDP socket never collide: they may share a port number.
   */
  private static boolean overlaps(Bound a, Bound b) {
    if (!java.util.Objects.equals(a.transport(), b.transport())) {
      return false;
    }
    BindAddress x = a.address();
    BindAddress y = b.address();
    if (x.firstPort() == 0 || y.firstPort() == 0) {
      return false;
    }
    if (x.firstPort() > y.lastPort() || y.firstPort() > x.lastPort()) {
      return false;
    }
    if (a.hostKey().equals(b.hostKey())) {
      return true;
    }
    byte[] p = ConfigValues.literalOrNull(x.host());
    byte[] q = ConfigValues.literalOrNull(y.host());
    boolean sameFamily = p != null && q != null && p.length == q.length;
    return sameFamily && (ConfigValues.isWildcard(x.host()) || ConfigValues.isWildcard(y.host()));
  }
}
