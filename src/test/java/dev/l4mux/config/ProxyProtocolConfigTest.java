package dev.l4mux.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code listeners[].proxyProtocol}, {@code routes[].proxyProtocol} and {@code access}, read and refused. */
class ProxyProtocolConfigTest {

  private static final String LISTENER = "listeners: [{name: a, bind: ['127.0.0.1:1'], %s}]";
  private static final String ROUTE = "routes: [{name: r, %s, backends: [{address: '127.0.0.1:22'}]}]";

  private static List<String> errors(String yaml) {
    return ConfigParser.validate(ConfigFiles.parseText(yaml)).stream().map(e -> e.path() + ": " + e.message()).toList();
  }

  private static L4muxConfig parse(String yaml) {
    return ConfigParser.parse(ConfigFiles.parseText(yaml));
  }

  @Test
  void listenerTrustAndAccessAreRead() {
    ListenerConfig l = parse(LISTENER.formatted(
        "proxyProtocol: {trusted: ['10.0.0.0/8', '::1'], required: true}, access: {allow: ['0.0.0.0/0'], deny: ['203.0.113.0/24']}"))
        .listeners().get(0);
    assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1")), l.proxyProtocol().trusted());
    assertTrue(l.proxyProtocol().required());
    assertEquals(new AccessConfig(List.of(Cidr.parse("0.0.0.0/0")), List.of(Cidr.parse("203.0.113.0/24"))), l.access());
    ListenerConfig plain = parse(LISTENER.formatted("fallback: reject")).listeners().get(0);
    assertFalse(plain.proxyProtocol().enabled());
    assertTrue(plain.access().isEmpty());
  }

  @Test
  void routeSendWithTlvsWrittenAsYamlNumbersOrStrings() {
    RouteConfig r = parse(ROUTE.formatted("proxyProtocol: {send: v2, tlvs: {forward: [0xE0, '0x20', 2], add: {0xE1: edge-1, '0xE2': x}}}"))
        .routes().get(0);
    assertEquals(ProxyProtocolSend.Version.V2, r.proxyProtocol().version());
    assertEquals(List.of(0xE0, 0x20, 2), r.proxyProtocol().forward());
    assertEquals(Map.of(0xE1, "edge-1", 0xE2, "x"), r.proxyProtocol().add());
    assertEquals(ProxyProtocolSend.Version.V1, parse(ROUTE.formatted("proxyProtocol: {send: v1}")).routes().get(0).proxyProtocol().version());
    assertFalse(parse(ROUTE.formatted("proxyProtocol: {send: none}")).routes().get(0).proxyProtocol().sends());
  }

  @Test
  void badValuesAreNamedByPath() {
    assertEquals(List.of("listeners[0].proxyProtocol.trusted: must not be empty"),
        errors(LISTENER.formatted("proxyProtocol: {trusted: []}")));
    assertEquals(List.of("listeners[0].proxyProtocol.trusted: required"),
        errors(LISTENER.formatted("proxyProtocol: {required: true}")));
    assertEquals(List.of("routes[0].proxyProtocol.tlvs: TLVs are only sent with send: v2"),
        errors(ROUTE.formatted("proxyProtocol: {send: v1, tlvs: {add: {0xE1: x}}}")));
    assertEquals(List.of("routes[0].proxyProtocol.tlvs.forward[0]: TLV type 0x03 cannot be forwarded (the checksum is computed for each header)",
            "routes[0].proxyProtocol.tlvs.forward[2]: TLV type 0xE0 is listed twice",
            "routes[0].proxyProtocol.tlvs.forward[3]: expected a TLV type 0x00-0xFF (such as 0xE0), got '0x100'"),
        errors(ROUTE.formatted("proxyProtocol: {send: v2, tlvs: {forward: [3, 0xE0, 0xE0, '0x100']}}")));
    assertEquals(List.of("routes[0].proxyProtocol.tlvs.add.32: TLV type 0x20 is not a custom or experimental type (0xE0-0xF7)"),
        errors(ROUTE.formatted("proxyProtocol: {send: v2, tlvs: {add: {0x20: x}}}")));
    assertEquals(List.of("routes[0].proxyProtocol.tlvs.add.0xE1: expected the TLV's text, got a number"),
        errors(ROUTE.formatted("proxyProtocol: {send: v2, tlvs: {add: {'0xE1': 5}}}")));
    assertEquals(List.of("routes[0].access.allow[0]: invalid IP address 'nope'"),
        errors(ROUTE.formatted("access: {allow: [nope]}")));
    assertEquals(List.of("listeners[0].access.deny: unknown key (expected one of: allow, deny)".replace(".deny: ", ".dney: ")),
        errors(LISTENER.formatted("access: {dney: ['10.0.0.0/8']}")));
  }
}
