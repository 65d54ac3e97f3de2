package dev.l4mux.tls;

import dev.l4mux.config.NamePattern;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.observe.NodeLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The certificates minted for routes with {@code cert: builtin:self-signed}: one per route name and
 * set of names for the life of the process, so a reload (or {@code validate}) serves the same one;
 * announced in the node's log when minted.
 */
final class SelfSignedMints {

  private record Key(String route, List<String> names) {}

  private static final Map<Key, PemFiles.CertifiedKey> MINTED = new ConcurrentHashMap<>();

  private SelfSignedMints() {}

  /** {@code localhost}, then the route's exact and wildcard SNI names (regexes name no certificate). */
  static List<String> namesFor(RouteConfig route) {
    List<String> names = new ArrayList<>(List.of("localhost"));
    for (NamePattern sni : route.match().sni()) {
      if (sni.kind() != NamePattern.Kind.REGEX && !names.contains(sni.text()) && SelfSignedCertificate.isDnsName(sni.text())) {
        names.add(sni.text());
      }
    }
    return List.copyOf(names);
  }

  static PemFiles.CertifiedKey forRoute(String route, List<String> names) {
    return MINTED.computeIfAbsent(new Key(route, names), k -> {
      PemFiles.CertifiedKey minted = SelfSignedCertificate.mint(names);
      NodeLog.warning("route " + route + ": serving a self-signed certificate for " + names + " minted at start (cert: builtin:self-signed),"
          + " serial " + minted.leaf().getSerialNumber().toString(16) + ", until " + minted.leaf().getNotAfter().toInstant()
          + "; no client trusts it (curl -k): for trying l4mux, not for production");
      return minted;
    });
  }
}
