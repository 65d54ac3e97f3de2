package dev.l4mux.config;

import dev.l4mux.config.ConfigReader.Section;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads a route's {@code tls.acme} section for {@link TlsParser}; files are not touched here. */
final class AcmeParser {

  static final List<String> KEYS = List.of("directory", "email", "domains", "challenge", "storage", "trust");
  private static final List<String> CHALLENGES = List.of("tls-alpn-01", "http-01");

  private final ConfigReader r;

  AcmeParser(ConfigReader r) {
    this.r = r;
  }

  /**
   * @param match the route's match, whose exact {@code sni} names are the default domains
   * @return the settings, or null when invalid (the errors are recorded)
   */
  AcmeConfig acme(Section s, Match match) {
    int errorsBefore = r.errors().size();
    String directory = s.require("directory") ? s.value("directory", "an https:// URL", AcmeParser::directory) : null;
    String email = s.value("email", "an e-mail address", AcmeParser::email);
    List<String> domains = s.has("domains")
        ? s.values("domains", "a list of domain names", "a domain name", AcmeParser::domain)
        : match == null ? null : defaultDomains(match); // an invalid match was reported already
    String challenge = s.has("challenge") ? s.choice("challenge", CHALLENGES) : "tls-alpn-01";
    String storage = s.has("storage") ? s.string("storage") : AcmeConfig.DEFAULT_STORAGE;
    String trust = s.string("trust");
    if (storage != null && storage.isBlank()) {
      r.error(s.at("storage"), "must not be empty");
    }
    if (domains != null && domains.isEmpty()) {
      r.error(s.has("domains") ? s.at("domains") : s.loc(),
          s.has("domains") ? "must not be empty" : "domains required: the route's match.sni has no exact name to default to");
    }
    if (domains != null && challenge != null) {
      for (int i = 0; i < domains.size(); i++) {
        if (domains.get(i).startsWith("*.")) {
          // RFC 8555 7.1.3 / 8.3, RFC 8737 3: wildcard names are only validated by dns-01.
          r.error(s.has("domains") ? s.at("domains").index(i) : s.loc(),
              "wildcard '" + domains.get(i) + "' needs the dns-01 challenge, which l4mux does not answer (" + challenge + " cannot validate it)");
        }
      }
    }
    if (r.errors().size() > errorsBefore || directory == null || domains == null || challenge == null || storage == null) {
      return null;
    }
    AcmeConfig.Challenge parsed = AcmeConfig.Challenge.valueOf(challenge.toUpperCase(Locale.ROOT).replace('-', '_'));
    return new AcmeConfig(directory, email, domains, parsed, storage, trust);
  }

  private static List<String> defaultDomains(Match match) {
    List<String> names = new ArrayList<>();
    for (NamePattern pattern : match.sni()) {
      if (pattern.kind() == NamePattern.Kind.EXACT && !names.contains(pattern.text())) {
        names.add(pattern.text());
      }
    }
    return names;
  }

  private static String directory(String written) {
    try {
      URI uri = new URI(written);
      if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException("'" + written + "' is not an https:// URL (RFC 8555 6.1: ACME runs over HTTPS)");
      }
      return written;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + written + "' is not a URL: " + e.getReason());
    }
  }

  private static String email(String written) {
    int at = written.indexOf('@');
    if (at <= 0 || at != written.lastIndexOf('@') || at == written.length() - 1 || written.contains(" ")) {
      throw new IllegalArgumentException("'" + written + "' is not an e-mail address");
    }
    return written;
  }

  private static String domain(String written) {
    String lower = written.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".")) {
      lower = lower.substring(0, lower.length() - 1);
    }
    String bare = lower.startsWith("*.") ? lower.substring(2) : lower;
    if (bare.isEmpty() || bare.length() > 253 || !bare.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) {
      throw new IllegalArgumentException("'" + written + "' is not a DNS name");
    }
    return lower;
  }
}
