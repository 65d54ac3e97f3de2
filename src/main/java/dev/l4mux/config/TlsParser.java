package dev.l4mux.config;

import dev.l4mux.config.ConfigReader.Item;
import dev.l4mux.config.ConfigReader.Section;
import dev.l4mux.config.TlsConfig.CertificateFiles;
import dev.l4mux.config.TlsConfig.ClientAuth;
import dev.l4mux.config.TlsConfig.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a route's {@code tls} section for {@link RouteParser}. Only shapes and values are checked
 * here; the files are read when a configuration is applied ({@code dev.l4mux.tls.CertificateStore}).
 */
final class TlsParser {

  static final List<String> KEYS =
      List.of("mode", "cert", "key", "certs", "acme", "alpn", "minVersion", "ciphers", "clientAuth", "clientCa", "upstream");
  private static final List<String> CERT = List.of("cert", "key");
  private static final List<String> UPSTREAM = List.of("sni", "ca", "verify", "insecure", "cert", "key");
  private static final List<String> MODES = List.of("passthrough", "terminate", "reencrypt");
  private static final List<String> VERSIONS = List.of(TlsConfig.TLS_1_2, TlsConfig.TLS_1_3);
  private static final List<String> CLIENT_AUTHS = List.of("none", "request", "require");
  /** Keys that only mean something when l4mux terminates. */
  private static final List<String> TERMINATING_KEYS =
      List.of("cert", "key", "certs", "acme", "alpn", "minVersion", "ciphers", "clientAuth", "clientCa", "upstream");

  private final ConfigReader r;
  private final AcmeParser acmeParser;

  TlsParser(ConfigReader r) {
    this.r = r;
    this.acmeParser = new AcmeParser(r);
  }

  /** The route's TLS settings ({@link TlsConfig#PASSTHROUGH} when absent), or null when invalid. */
  TlsConfig tls(Section s, Match match) {
    if (s == null) {
      return TlsConfig.PASSTHROUGH;
    }
    int errorsBefore = r.errors().size();
    String mode = s.has("mode") ? s.choice("mode", MODES) : "passthrough";
    List<CertificateFiles> certificates = certificates(s);
    Section acmeSection = s.section("acme", AcmeParser.KEYS);
    AcmeConfig acme = acmeSection == null ? null : acmeParser.acme(acmeSection, match);
    if (s.has("acme") && (s.has("cert") || s.has("certs"))) {
      r.error(s.at("acme"), "either cert and key, certs, or acme, not more than one");
    }
    List<String> alpn = s.values("alpn", "a list of ALPN protocol ids", "an ALPN protocol id", RouteParser::alpn);
    String minVersion = s.has("minVersion") ? s.choice("minVersion", VERSIONS) : TlsConfig.TLS_1_2;
    List<String> ciphers = s.values("ciphers", "a list of cipher suites", "a cipher suite", TlsParser::cipher);
    String clientAuth = s.has("clientAuth") ? s.choice("clientAuth", CLIENT_AUTHS) : "none";
    String clientCa = s.string("clientCa");
    if (clientAuth != null && !clientAuth.equals("none") && clientCa == null && !s.has("clientCa")) {
      r.error(s.at("clientCa"), "required with clientAuth " + clientAuth);
    } else if ("none".equals(clientAuth) && s.has("clientCa")) {
      r.error(s.at("clientCa"), "only used with clientAuth request or require");
    }
    TlsConfig.Upstream upstream = upstream(s.section("upstream", UPSTREAM));
    if (mode == null) {
      return null;
    }
    boolean hasCertificate = s.has("cert") || s.has("key") || s.has("certs") || s.has("acme");
    if (mode.equals("passthrough")) {
      for (String key : TERMINATING_KEYS) {
        if (s.has(key)) {
          r.error(s.at(key), "only used with mode terminate or reencrypt");
        }
      }
    } else if (!hasCertificate) {
      r.error(s.at("mode"), "mode " + mode + " needs cert and key, certs, acme, or cert: " + CertificateFiles.SELF_SIGNED);
    }
    if (!mode.equals("reencrypt") && s.has("upstream") && !mode.equals("passthrough")) {
      r.error(s.at("upstream"), "only used with mode reencrypt");
    }
    if (r.errors().size() > errorsBefore || alpn == null || minVersion == null || ciphers == null || clientAuth == null) {
      return null;
    }
    Mode parsedMode = Mode.valueOf(mode.toUpperCase(Locale.ROOT));
    if (parsedMode == Mode.REENCRYPT && upstream == null) {
      upstream = new TlsConfig.Upstream(null, null, true, null);
    }
    return new TlsConfig(
        parsedMode, certificates, alpn, minVersion, ciphers,
        ClientAuth.valueOf(clientAuth.toUpperCase(Locale.ROOT)), clientCa, upstream, acme);
  }

  private List<CertificateFiles> certificates(Section s) {
    List<CertificateFiles> out = new ArrayList<>();
    String cert = s.string("cert");
    String key = s.string("key");
    if (CertificateFiles.SELF_SIGNED.equals(cert)) {
      // Explicit, never a default: a certificate minted at start, for trying l4mux without files.
      if (s.has("key")) {
        r.error(s.at("key"), "not used with cert: " + CertificateFiles.SELF_SIGNED + " (its key is minted with it)");
      } else {
        out.add(CertificateFiles.SELF_SIGNED_FILES);
      }
    } else if (s.has("cert") != s.has("key")) {
      String missing = s.has("cert") ? "key" : "cert";
      r.error(s.at(missing), "required with " + (missing.equals("key") ? "cert" : "key"));
    } else if (cert != null && key != null) {
      out.add(new CertificateFiles(cert, key));
    }
    if (s.has("cert") && s.has("certs")) {
      r.error(s.at("certs"), "either cert and key, or certs, not both");
    }
    if (s.has("certs")) {
      List<Item> items = s.list("certs", "a list of {cert, key} pairs");
      if (items != null && items.isEmpty()) {
        r.error(s.at("certs"), "must not be empty");
      }
      for (Item item : items == null ? List.<Item>of() : items) {
        Section pair = r.section(item.loc(), item.value(), CERT);
        if (pair != null && pair.require("cert") & pair.require("key")) {
          String c = pair.string("cert");
          String k = pair.string("key");
          if (c != null && k != null) {
            out.add(new CertificateFiles(c, k));
          }
        }
      }
    }
    return out;
  }

  private TlsConfig.Upstream upstream(Section s) {
    if (s == null) {
      return null;
    }
    String sni = s.value("sni", "a server name", TlsParser::serverName);
    String ca = s.string("ca");
    Boolean verify = s.has("verify") ? s.bool("verify") : Boolean.TRUE;
    Boolean insecure = s.has("insecure") ? s.bool("insecure") : Boolean.FALSE;
    if (Boolean.FALSE.equals(verify) && !Boolean.TRUE.equals(insecure)) {
      r.error(s.at("verify"), "false only together with insecure: true (the backend's identity would not be checked)");
    }
    if (Boolean.TRUE.equals(insecure) && !Boolean.FALSE.equals(verify)) {
      r.error(s.at("insecure"), "only used with verify: false");
    }
    if (Boolean.FALSE.equals(verify) && s.has("ca")) {
      r.error(s.at("ca"), "not used with verify: false");
    }
    String cert = s.string("cert");
    String key = s.string("key");
    if (s.has("cert") != s.has("key")) {
      String missing = s.has("cert") ? "key" : "cert";
      r.error(s.at(missing), "required with " + (missing.equals("key") ? "cert" : "key"));
    }
    if (verify == null || insecure == null) {
      return null;
    }
    return new TlsConfig.Upstream(sni, ca, verify, cert == null || key == null ? null : new CertificateFiles(cert, key));
  }

  private static String cipher(String name) {
    if (!TlsConfig.AEAD_SUITES.contains(name)) {
      throw new IllegalArgumentException(
          "'" + name + "' is not an AEAD suite with forward secrecy that l4mux offers (one of: " + String.join(", ", TlsConfig.AEAD_SUITES) + ")");
    }
    return name;
  }

  private static String serverName(String name) {
    NamePattern pattern = NamePattern.parse(name);
    if (pattern.kind() != NamePattern.Kind.EXACT) {
      throw new IllegalArgumentException("a server name, not a pattern: '" + name + "'");
    }
    return pattern.text();
  }
}
