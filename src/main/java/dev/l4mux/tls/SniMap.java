package dev.l4mux.tls;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Chooses a value by TLS server name (RFC 6066 3): an exact name first, then a wildcard whose
 * {@code *} stands for exactly the leftmost label (RFC 6125 6.4.3: {@code *.example.com} matches
 * {@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}). When a name is
 * claimed twice, the first entry keeps it. Immutable.
 *
 * @param <T> what is chosen (a certificate, a TLS context)
 */
public final class SniMap<T> {

  private final Map<String, T> exact = new HashMap<>();
  private final Map<String, T> wildcard = new HashMap<>(); // keyed by the suffix after "*."

  /**
   * @param entries in priority order
   * @param names the DNS names (exact or {@code *.} wildcards) of an entry
   */
  public SniMap(List<T> entries, Function<T, List<String>> names) {
    for (T entry : entries) {
      for (String name : names.apply(entry)) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("*.")) {
          wildcard.putIfAbsent(lower.substring(2), entry);
        } else {
          exact.putIfAbsent(lower, entry);
        }
      }
    }
  }

  /** The entry for {@code serverName}, or null when none claims it (or no name was sent). */
  public T find(String serverName) {
    if (serverName == null || serverName.isEmpty()) {
      return null;
    }
    String name = serverName.toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1); // an absolute name is the same name
    }
    T found = exact.get(name);
    if (found != null) {
      return found;
    }
    int dot = name.indexOf('.');
    return dot <= 0 ? null : wildcard.get(name.substring(dot + 1));
  }
}
