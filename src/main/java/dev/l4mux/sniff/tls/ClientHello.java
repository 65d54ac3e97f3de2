package dev.l4mux.sniff.tls;

import java.util.List;

/**
 * The routing-relevant fields of a TLS ClientHello (RFC 8446 4.1.2), as offered by the client.
 *
 * @param legacyVersion legacy_version, e.g. 0x0303 (also TLS 1.3 hellos carry 0x0303)
 * @param sessionIdLength length of legacy_session_id (0..32)
 * @param cipherSuiteCount number of cipher suites offered (GREASE values included)
 * @param serverName server_name host_name (RFC 6066 3), lower-cased, or null when absent
 * @param alpn ALPN protocol names in client order (RFC 7301 3.1); empty when absent
 * @param supportedVersions supported_versions (RFC 8446 4.2.1) in client order without GREASE
 *     values (RFC 8701); empty when the extension is absent
 * @param encryptedClientHello true when encrypted_client_hello (0xfe0d) is present: {@code
 *     serverName} is then the public (outer) name, not the real destination
 * @param extensionTypes extension types in wire order (GREASE included), for diagnostics and
 *     fingerprints
 */
public record ClientHello(
    int legacyVersion,
    int sessionIdLength,
    int cipherSuiteCount,
    String serverName,
    List<String> alpn,
    List<Integer> supportedVersions,
    boolean encryptedClientHello,
    List<Integer> extensionTypes) {

  public ClientHello {
    alpn = List.copyOf(alpn);
    supportedVersions = List.copyOf(supportedVersions);
    extensionTypes = List.copyOf(extensionTypes);
  }

  /**
   * The versions the client offers: supported_versions when present (RFC 8446 4.2.1 makes it
   * authoritative), else the single legacy_version (TLS 1.2 and earlier).
   */
  public List<Integer> offeredVersions() {
    return supportedVersions.isEmpty() ? List.of(legacyVersion) : supportedVersions;
  }
}
