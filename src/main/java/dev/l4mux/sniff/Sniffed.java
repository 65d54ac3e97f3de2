package dev.l4mux.sniff;

import java.util.List;

/**
 * The protocol-neutral facts a sniffer extracted (after Envoy's tls_inspector vocabulary). Routing
 * matches only on these, so adding a protocol never changes the router.
 *
 * @param protocol stable protocol id ("tls", "http", "ssh", "unknown")
 * @param sni TLS server_name (host_name), lower-cased, or null
 * @param alpn offered ALPN protocol ids in client order (TLS) or the implied one ("h2c"); never null
 * @param host HTTP Host without port, lower-cased, or null
 * @param websocket true for an HTTP/1.1 request asking {@code Upgrade: websocket}
 * @param tlsVersions TLS supported_versions offered (RFC 8446 4.2.1), or the legacy version; never null
 * @param encryptedClientHello true when the hello carries encrypted_client_hello (the SNI is the outer one)
 * @param detail protocol-specific one-liner for logs (HTTP method and target, SSH software version), or null
 */
public record Sniffed(
    String protocol,
    String sni,
    List<String> alpn,
    String host,
    boolean websocket,
    List<Integer> tlsVersions,
    boolean encryptedClientHello,
    String detail) {

  public static final String UNKNOWN = "unknown";

  public Sniffed {
    alpn = alpn == null ? List.of() : List.copyOf(alpn);
    tlsVersions = tlsVersions == null ? List.of() : List.copyOf(tlsVersions);
  }

  /** Facts for a connection no sniffer recognised (or that was not sniffed at all). */
  public static Sniffed unknown() {
    return new Sniffed(UNKNOWN, null, List.of(), null, false, List.of(), false, null);
  }

  public static Sniffed tls(String sni, List<String> alpn, List<Integer> versions, boolean ech) {
    return new Sniffed("tls", sni, alpn, null, false, versions, ech, null);
  }

  public static Sniffed http(String host, boolean websocket, List<String> alpn, String detail) {
    return new Sniffed("http", null, alpn, host, websocket, List.of(), false, detail);
  }

  public static Sniffed ssh(String detail) {
    return new Sniffed("ssh", null, List.of(), null, false, List.of(), false, detail);
  }

  /** A QUIC Initial's ClientHello; {@code quicVersion} ("v1", "v2") is the detail. */
  public static Sniffed quic(
      String sni, List<String> alpn, List<Integer> versions, boolean ech, String quicVersion) {
    return new Sniffed("quic", sni, alpn, null, false, versions, ech, quicVersion);
  }

  /** A WireGuard handshake initiation; the detail names its sender index ("sender=0a1b2c3d"). */
  public static Sniffed wireguard(String detail) {
    return new Sniffed("wireguard", null, List.of(), null, false, List.of(), false, detail);
  }
}
