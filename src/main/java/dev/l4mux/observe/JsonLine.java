package dev.l4mux.observe;

import java.util.List;

/**
 * Writes one flat JSON object (RFC 8259) into a {@link StringBuilder}, for the access log: a
 * line per connection, so it is written directly instead of through a JSON tree.
 */
final class JsonLine {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder out;
  private boolean first = true;

  private JsonLine(StringBuilder out) {
    this.out = out;
  }

  static JsonLine begin(StringBuilder out) {
    out.append('{');
    return new JsonLine(out);
  }

  JsonLine field(String name, String value) {
    key(name);
    if (value == null) {
      out.append("null");
    } else {
      string(value);
    }
    return this;
  }

  JsonLine field(String name, long value) {
    key(name);
    out.append(value);
    return this;
  }

  JsonLine field(String name, Long value) {
    key(name);
    out.append(value == null ? "null" : value.toString());
    return this;
  }

  /** An array of strings; an empty list is written as null, as the access log has it. */
  JsonLine field(String name, List<String> values) {
    key(name);
    if (values.isEmpty()) {
      out.append("null");
      return this;
    }
    out.append('[');
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      string(values.get(i));
    }
    out.append(']');
    return this;
  }

  /** An object of string values in the map's order; null is written as null. */
  JsonLine field(String name, java.util.Map<String, String> values) {
    key(name);
    if (values == null) {
      out.append("null");
      return this;
    }
    out.append('{');
    boolean firstEntry = true;
    for (java.util.Map.Entry<String, String> e : values.entrySet()) {
      if (!firstEntry) {
        out.append(',');
      }
      firstEntry = false;
      string(e.getKey());
      out.append(':');
      string(e.getValue());
    }
    out.append('}');
    return this;
  }

  StringBuilder end() {
    return out.append('}');
  }

  private void key(String name) {
    if (!first) {
      out.append(',');
    }
    first = false;
    out.append('"').append(name).append("\":"); // names are constants of this package, nothing to escape
  }

  /** RFC 8259 section 7: quote, backslash and control characters escaped; the rest as it is. */
  private void string(String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) { // line separators too: one record, one line
            out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
