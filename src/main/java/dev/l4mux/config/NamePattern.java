package dev.l4mux.config;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A server-name or Host pattern: {@code example.com} (exact), {@code *.example.org} (any name with
 * at least one more label, per RFC 6125 6.4.3 only the leftmost label is wild), or {@code ~regex}
 * (Java regex, matched against the whole lower-cased name). Matching is case-insensitive.
 */
public record NamePattern(Kind kind, String text, Pattern regex) {

  /** Pattern kinds, most specific first (their order is the route-specificity order). */
  public enum Kind {
    EXACT,
    WILDCARD,
    REGEX
  }

  /**
   * Parses a pattern as written in config.
   *
   * @throws IllegalArgumentException with a message fit for a config error
   */
  public static NamePattern parse(String written) {
    if (written == null || written.isBlank()) {
      throw new IllegalArgumentException("must not be empty");
    }
    if (written.startsWith("~")) {
      String expression = written.substring(1);
      if (expression.isEmpty()) {
        throw new IllegalArgumentException("regex after '~' must not be empty");
      }
      try {
        return new NamePattern(Kind.REGEX, written, Pattern.compile(expression, Pattern.CASE_INSENSITIVE));
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new IllegalArgumentException("invalid regex: " + e.getDescription() + " near index " + e.getIndex());
      }
    }
    String lower = written.toLowerCase(Locale.ROOT);
    if (lower.startsWith("*.")) {
      String suffix = lower.substring(1); // ".example.org"
      checkName(suffix.substring(1));
      return new NamePattern(Kind.WILDCARD, lower, null);
    }
    checkName(lower);
    return new NamePattern(Kind.EXACT, lower, null);
  }

  private static void checkName(String name) {
    if (name.isEmpty() || name.contains("*")) {
      throw new IllegalArgumentException(
          "'*' is only allowed as the whole leftmost label ('*.example.com'); use '~regex' otherwise");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == ':';
      if (!ok) {
        throw new IllegalArgumentException("invalid character '" + c + "' in name '" + name + "'");
      }
    }
  }

  /** True when {@code name} (already lower-cased by the sniffer, or null) matches. */
  public boolean matches(String name) {
    if (name == null) {
      return false;
    }
    return switch (kind) {
      case EXACT -> text.equalsIgnoreCase(name);
      case WILDCARD -> {
        String suffix = text.substring(1); // ".example.org"
        yield name.length() > suffix.length()
            && name.regionMatches(true, name.length() - suffix.length(), suffix, 0, suffix.length());
      }
      case REGEX -> regex.matcher(name).matches();
    };
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NamePattern other && other.kind == kind && other.text.equals(text);
  }

  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + text.hashCode();
  }
}
