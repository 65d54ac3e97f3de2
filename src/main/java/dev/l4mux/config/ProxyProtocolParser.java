package dev.l4mux.config;

import dev.l4mux.config.ConfigReader.Item;
import dev.l4mux.config.ConfigReader.Loc;
import dev.l4mux.config.ConfigReader.Section;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the PROXY protocol and access sections of listeners and routes (CONTRACT section 3):
 * {@code listeners[].proxyProtocol {trusted, required}}, {@code routes[].proxyProtocol {send,
 * tlvs {forward, add}, datagrams}} and {@code access {allow, deny}}. TLV types are written as YAML numbers
 * ({@code 0xE0}) or strings ({@code "0xE0"}, {@code "224"}).
 */
final class ProxyProtocolParser {

  static final List<String> RECEIVE = List.of("trusted", "required");
  static final List<String> SEND = List.of("send", "tlvs", "datagrams");
  private static final List<String> DATAGRAMS = List.of("first", "every");
  static final List<String> TLVS = List.of("forward", "add");
  static final List<String> ACCESS = List.of("allow", "deny");
  private static final List<String> VERSIONS = List.of("none", "v1", "v2");

  private static final int CRC32C = 0x03; // doc/proxy-protocol.txt 2.2.3: computed per header
  private static final int NOOP = 0x04; // 2.2.4: padding, meaningless to pass on
  private static final int MIN_ADDED = 0xE0; // 2.2.8: custom (0xE0-0xEF) and experimental (0xF0-0xF7)
  private static final int MAX_ADDED = 0xF7;

  private final ConfigReader r;

  ProxyProtocolParser(ConfigReader r) {
    this.r = r;
  }

  /** {@code listeners[].proxyProtocol}; OFF when absent, null when invalid. */
  ProxyProtocolReceive receive(Section s) {
    if (s == null) {
      return ProxyProtocolReceive.OFF;
    }
    List<Cidr> trusted = null;
    if (s.require("trusted")) {
      trusted = s.values("trusted", "a list of CIDRs", "a CIDR", Cidr::parse);
      if (trusted != null && trusted.isEmpty()) {
        r.error(s.at("trusted"), "must not be empty");
        trusted = null;
      }
    }
    Boolean required = s.has("required") ? s.bool("required") : Boolean.FALSE;
    return trusted == null || required == null ? null : new ProxyProtocolReceive(trusted, required);
  }

  /** {@code routes[].proxyProtocol}; NONE when absent, null when invalid. */
  ProxyProtocolSend send(Section s) {
    if (s == null) {
      return ProxyProtocolSend.NONE;
    }
    String version = s.has("send") ? s.choice("send", VERSIONS) : "none";
    Section tlvs = s.section("tlvs", TLVS);
    List<Integer> forward = List.of();
    Map<Integer, String> add = Map.of();
    if (tlvs != null) {
      forward = forward(tlvs);
      add = add(tlvs);
      if (version != null && !version.equals("v2")) {
        r.error(s.at("tlvs"), "TLVs are only sent with send: v2");
      }
    }
    String datagrams = "first";
    if (s.has("datagrams")) {
      datagrams = s.choice("datagrams", DATAGRAMS);
      if (datagrams != null && version != null && !version.equals("v2")) {
        r.error(s.at("datagrams"), "only with send: v2 (the header of a UDP flow is v2 with the DGRAM transport)");
      }
    }
    if (version == null || forward == null || add == null || datagrams == null) {
      return null;
    }
    return new ProxyProtocolSend(ProxyProtocolSend.Version.valueOf(version.toUpperCase(Locale.ROOT)), forward, add,
        ProxyProtocolSend.Datagrams.valueOf(datagrams.toUpperCase(Locale.ROOT)));
  }

  /** An {@code access} section; NONE when absent, null when invalid. */
  AccessConfig access(Section s) {
    if (s == null) {
      return AccessConfig.NONE;
    }
    List<Cidr> allow = s.values("allow", "a list of CIDRs", "a CIDR", Cidr::parse);
    List<Cidr> deny = s.values("deny", "a list of CIDRs", "a CIDR", Cidr::parse);
    return allow == null || deny == null ? null : new AccessConfig(allow, deny);
  }

  private List<Integer> forward(Section s) {
    if (!s.has("forward")) {
      return List.of();
    }
    List<Item> items = s.list("forward", "a list of TLV types such as 0xE0");
    if (items == null) {
      return null;
    }
    List<Integer> out = new ArrayList<>();
    boolean ok = true;
    for (Item item : items) {
      Integer type = type(item.loc(), item.value());
      if (type == null) {
        ok = false;
      } else if (type == CRC32C || type == NOOP) {
        r.error(item.loc(), String.format("TLV type 0x%02X cannot be forwarded (%s)", type,
            type == CRC32C ? "the checksum is computed for each header" : "NOOP is padding"));
        ok = false;
      } else if (out.contains(type)) {
        r.error(item.loc(), String.format("TLV type 0x%02X is listed twice", type));
        ok = false;
      } else {
        out.add(type);
      }
    }
    return ok ? out : null;
  }

  private Map<Integer, String> add(Section s) {
    if (!s.has("add")) {
      return Map.of();
    }
    Section add = r.section(s.at("add"), s.get("add"), null);
    if (add == null) {
      return null;
    }
    Map<Integer, String> out = new LinkedHashMap<>();
    boolean ok = true;
    for (String key : add.keys()) {
      Loc at = add.at(key);
      Integer type = type(at, key);
      String value = add.has(key) ? r.string(at, add.get(key), "the TLV's text") : null;
      if (type != null && (type < MIN_ADDED || type > MAX_ADDED)) {
        r.error(at, String.format("TLV type 0x%02X is not a custom or experimental type (0xE0-0xF7)", type));
        type = null;
      }
      if (value == null && !add.has(key)) {
        r.error(at, "required (the TLV's text)");
      }
      if (type == null || value == null) {
        ok = false;
      } else if (out.putIfAbsent(type, value) != null) {
        r.error(at, String.format("TLV type 0x%02X is given twice", type));
        ok = false;
      }
    }
    return ok ? out : null;
  }

  /** A TLV type 0-255, written as a number or as a decimal or 0x-hex string. */
  private Integer type(Loc at, Object value) {
    Integer type = null;
    if (value instanceof Integer || value instanceof Long) {
      long n = ((Number) value).longValue();
      type = n >= 0 && n <= 0xFF ? (int) n : null;
    } else if (value instanceof String s) {
      try {
        int n = s.startsWith("0x") || s.startsWith("0X") ? Integer.parseInt(s.substring(2), 16) : Integer.parseInt(s);
        type = n >= 0 && n <= 0xFF ? n : null;
      } catch (NumberFormatException e) {
        type = null;
      }
    }
    if (type == null) {
      r.error(at, "expected a TLV type 0x00-0xFF (such as 0xE0), got " + (value instanceof String s ? "'" + s + "'" : ConfigReader.describe(value)));
    }
    return type;
  }
}
