package dev.l4mux.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Walks a JSON config tree for {@link ConfigParser}. Every read that finds a problem records a
 * {@link ConfigError} and returns null instead of throwing, so one pass reports every problem.
 * {@link #errors()} returns them in document order, whatever order they were found in.
 *
 * <p>A key whose value is null (YAML {@code key:} with nothing after it) reads as absent.
 */
final class ConfigReader {

  private final Map<String, String> notSupportedYet;
  private final List<Found> found = new ArrayList<>();

  /**
   * @param notSupportedYet schema path ({@code routes[].access}) or schema path and value ({@code
   *     listeners[].transport=udp}) to a description; matching keys and values are reported
   */
  ConfigReader(Map<String, String> notSupportedYet) {
    this.notSupportedYet = notSupportedYet;
  }

  /** A place in the document: its printed path, its path with indices erased, its sort key. */
  static final class Loc {
    static final Loc ROOT = new Loc("", "", new int[0]);

    private final String path;
    private final String schema;
    private final int[] order;

    private Loc(String path, String schema, int[] order) {
      this.path = path;
      this.schema = schema;
      this.order = order;
    }

    /** The key at {@code position} among its map's keys; -1 for a missing key (sorts first). */
    Loc key(String key, int position) {
      String sep = path.isEmpty() ? "" : ".";
      return new Loc(path + sep + key, schema + sep + key, append(position));
    }

    Loc index(int i) {
      return new Loc(path + "[" + i + "]", schema + "[]", append(i));
    }

    String path() {
      return path;
    }

    String schema() {
      return schema;
    }

    private int[] append(int position) {
      int[] o = Arrays.copyOf(order, order.length + 1);
      o[order.length] = position;
      return o;
    }

    @Override
    public String toString() {
      return path;
    }
  }

  /** A list element and where it is. */
  record Item(Loc loc, Object value) {}

  private record Found(Loc loc, String message, int seq) {}

  private static final Comparator<Found> DOCUMENT_ORDER =
      Comparator.<Found, int[]>comparing(f -> f.loc.order, Arrays::compare)
          .thenComparingInt(Found::seq);

  void error(Loc at, String message) {
    found.add(new Found(at, message, found.size()));
  }

  boolean hasErrors() {
    return !found.isEmpty();
  }

  /** How many errors were found so far (a reader of one section compares before and after). */
  int errorCount() {
    return found.size();
  }

  /** Every error so far, in document order (ties: the order they were found). */
  List<ConfigError> errors() {
    return found.stream()
        .sorted(DOCUMENT_ORDER)
        .map(f -> new ConfigError(f.loc.path, f.message))
        .toList();
  }

  /** The top-level map. */
  Section root(JsonObject json, List<String> keys) {
    return new Section(Loc.ROOT, json, keys);
  }

  /**
   * Reads a map at {@code at}, reporting unknown keys (any key is known when {@code keys} is null);
   * null (with an error) if not a map.
   */
  Section section(Loc at, Object value, List<String> keys) {
    if (value instanceof JsonObject json) {
      return new Section(at, json, keys);
    }
    error(at, "expected a map, got " + describe(value));
    return null;
  }

  /** The elements of a list; null (with an error) if not a list. */
  List<Item> list(Loc at, Object value, String what) {
    if (!(value instanceof JsonArray array)) {
      error(at, "expected " + what + ", got " + describe(value));
      return null;
    }
    List<Item> items = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      items.add(new Item(at.index(i), array.getValue(i)));
    }
    return items;
  }

  /**
   * Parses a string with {@code parser}, whose {@link IllegalArgumentException} message becomes the
   * error; null (with an error) for a non-string, an empty string or a rejected one.
   */
  <T> T value(Loc at, Object value, String what, Function<String, T> parser) {
    if (!(value instanceof String s)) {
      error(at, "expected " + what + ", got " + describe(value));
      return null;
    }
    if (s.isEmpty()) {
      error(at, "must not be empty");
      return null;
    }
    try {
      return parser.apply(s);
    } catch (IllegalArgumentException e) {
      error(at, e.getMessage());
      return null;
    }
  }

  String string(Loc at, Object value, String what) {
    return value(at, value, what, Function.identity());
  }

  /** One of {@code options}; a value listed in the not-supported table is reported as such. */
  String choice(Loc at, Object value, List<String> options) {
    String expected = "expected one of " + String.join(", ", options);
    if (!(value instanceof String s)) {
      error(at, expected + ", got " + describe(value));
      return null;
    }
    if (!options.contains(s)) {
      error(at, expected + ", got '" + s + "'");
      return null;
    }
    checkSupported(at, at.schema() + "=" + s);
    return s;
  }

  Integer integer(Loc at, Object value, int min, int max) {
    BigInteger n = null;
    if (value instanceof BigInteger b) {
      n = b;
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      n = BigInteger.valueOf(((Number) value).longValue());
    }
    if (n == null) {
      error(at, "expected an integer, got " + (value instanceof Number ? value : describe(value)));
      return null;
    }
    if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
      error(at, "must be between " + min + " and " + max + ", got " + n);
      return null;
    }
    return n.intValue();
  }

  Boolean bool(Loc at, Object value) {
    if (value instanceof Boolean b) {
      return b;
    }
    error(at, "expected true or false, got " + describe(value));
    return null;
  }

  /** A duration such as {@code 5s}; a bare number is reported as a missing unit. */
  Duration duration(Loc at, Object value, boolean zeroAllowed) {
    Object v = value instanceof Integer || value instanceof Long ? value.toString() : value;
    Duration d = value(at, v, "a duration such as 5s", ConfigValues::duration);
    if (d != null && d.isZero() && !zeroAllowed) {
      error(at, "must be positive");
      return null;
    }
    return d;
  }

  private void checkSupported(Loc at, String key) {
    String what = notSupportedYet.get(key);
    if (what != null) {
      error(at, "not supported yet: " + what);
    }
  }

  /** How a value reads in "expected X, got Y". */
  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof JsonObject || value instanceof Map) {
      return "a map";
    }
    if (value instanceof JsonArray || value instanceof List) {
      return "a list";
    }
    return "a " + value.getClass().getSimpleName();
  }

  /**
   * A map being read. Creating one reports its unknown keys, and keys listed in the not-supported
   * table; the typed getters return null when the key is absent or (with an error) invalid.
   */
  final class Section {
    private final Loc loc;
    private final JsonObject json;
    private final Map<String, Integer> positions = new HashMap<>();

    private Section(Loc loc, JsonObject json, List<String> keys) {
      this.loc = loc;
      this.json = json;
      int i = 0;
      for (String key : json.fieldNames()) {
        positions.put(key, i++);
        Loc at = at(key);
        if (keys != null && !keys.contains(key)) {
          error(at, "unknown key (expected one of: " + String.join(", ", keys) + ")");
        } else if (json.getValue(key) != null) {
          checkSupported(at, at.schema());
        }
      }
    }

    Loc loc() {
      return loc;
    }

    /** The keys as written, in document order. */
    List<String> keys() {
      return List.copyOf(json.fieldNames());
    }

    Loc at(String key) {
      return loc.key(key, positions.getOrDefault(key, -1));
    }

    boolean has(String key) {
      return json.getValue(key) != null;
    }

    Object get(String key) {
      return json.getValue(key);
    }

    /** Reports {@code key: required} when absent; returns whether it is present. */
    boolean require(String key) {
      if (has(key)) {
        return true;
      }
      error(at(key), "required");
      return false;
    }

    Section section(String key, List<String> keys) {
      return has(key) ? ConfigReader.this.section(at(key), get(key), keys) : null;
    }

    List<Item> list(String key, String what) {
      return has(key) ? ConfigReader.this.list(at(key), get(key), what) : null;
    }

    String string(String key) {
      return has(key) ? ConfigReader.this.string(at(key), get(key), "a string") : null;
    }

    <T> T value(String key, String what, Function<String, T> parser) {
      return has(key) ? ConfigReader.this.value(at(key), get(key), what, parser) : null;
    }

    String choice(String key, List<String> options) {
      return has(key) ? ConfigReader.this.choice(at(key), get(key), options) : null;
    }

    Integer integer(String key, int min, int max) {
      return has(key) ? ConfigReader.this.integer(at(key), get(key), min, max) : null;
    }

    Boolean bool(String key) {
      return has(key) ? ConfigReader.this.bool(at(key), get(key)) : null;
    }

    Duration duration(String key, boolean zeroAllowed) {
      return has(key) ? ConfigReader.this.duration(at(key), get(key), zeroAllowed) : null;
    }

    /**
     * A list of strings, each read with {@code parser}: empty when absent, null (errors recorded)
     * when the list or any element is invalid.
     */
    <T> List<T> values(String key, String what, String itemWhat, Function<String, T> parser) {
      if (!has(key)) {
        return List.of();
      }
      List<Item> items = list(key, what);
      if (items == null) {
        return null;
      }
      List<T> out = new ArrayList<>();
      for (Item item : items) {
        T v = ConfigReader.this.value(item.loc(), item.value(), itemWhat, parser);
        if (v != null) {
          out.add(v);
        }
      }
      return out.size() == items.size() ? out : null;
    }
  }
}
