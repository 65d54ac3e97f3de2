package dev.l4mux.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.ConstructorException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a configuration file into the JSON tree {@link ConfigParser} validates. YAML is read with
 * SnakeYAML's safe constructor (no arbitrary types); maps, lists, strings, integers, floats,
 * booleans and null are all it yields. A YAML timestamp stays the string it was written as; binary,
 * sets and ordered maps are errors. Duplicate keys are errors in YAML and JSON alike.
 *
 * <p>Every failure is a {@link ConfigException} with one {@link ConfigError} whose path is the file
 * name (or {@code <text>}) and whose message starts with {@code line L, column C:} when the
 * position is known. An empty document is the empty configuration.
 */
public final class ConfigFiles {

  /** Origin used in errors for {@link #parseText(String)}. */
  public static final String TEXT_ORIGIN = "<text>";

  // Deeper nesting than any valid config; bounds recursion on hostile input.
  private static final int MAX_DEPTH = 32;

  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private ConfigFiles() {}

  /**
   * Reads {@code file}: YAML for {@code .yaml}/{@code .yml}, JSON for {@code .json}, otherwise
   * decided by content as in {@link #parseText(String)}.
   *
   * @throws ConfigException when the file cannot be read or parsed (not when it is invalid config)
   */
  public static JsonObject read(Path file) {
    String origin = file.getFileName() == null ? file.toString() : file.getFileName().toString();
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw fail(origin, "cannot read: no such file");
    } catch (IOException e) {
      throw fail(origin, "cannot read: " + e.getMessage());
    }
    String name = origin.toLowerCase(Locale.ROOT);
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      return yaml(text, origin);
    }
    if (name.endsWith(".json")) {
      return json(text, origin);
    }
    return parseText(text, origin);
  }

  /** Parses config text: JSON when its first non-blank character is '{', YAML otherwise. */
  public static JsonObject parseText(String text) {
    return parseText(text, TEXT_ORIGIN);
  }

  /** As {@link #parseText(String)}, naming {@code origin} in errors. */
  public static JsonObject parseText(String text, String origin) {
    return text.strip().startsWith("{") ? json(text, origin) : yaml(text, origin);
  }

  private static JsonObject yaml(String text, String origin) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setAllowRecursiveKeys(false);
    options.setNestingDepthLimit(MAX_DEPTH);
    Object loaded;
    try {
      loaded = new Yaml(new StrictConstructor(options)).load(text);
    } catch (MarkedYAMLException e) {
      throw fail(origin, at(e.getProblemMark()) + problem(e));
    } catch (YAMLException e) {
      throw fail(origin, e.getMessage());
    }
    return top(toJson(loaded, origin, 0), origin);
  }

  private static String problem(MarkedYAMLException e) {
    String problem = e.getProblem() == null ? "" : e.getProblem().strip();
    String context = e.getContext() == null ? "" : e.getContext().strip();
    return context.isEmpty() ? problem : context + ": " + problem;
  }

  private static String at(Mark mark) {
    return mark == null
        ? ""
        : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
  }

  private static JsonObject json(String text, String origin) {
    if (text.isBlank()) {
      return new JsonObject();
    }
    try (JsonParser p = JSON.createParser(text)) {
      JsonToken first = p.nextToken();
      Object value = jsonValue(p, first, origin, 0);
      if (p.nextToken() != null) {
        JsonLocation l = p.currentTokenLocation();
        throw fail(
            origin,
            "line "
                + l.getLineNr()
                + ", column "
                + l.getColumnNr()
                + ": trailing content after the top-level value");
      }
      return top(value, origin);
    } catch (JsonProcessingException e) {
      JsonLocation l = e.getLocation();
      String where =
          l == null ? "" : "line " + l.getLineNr() + ", column " + l.getColumnNr() + ": ";
      throw fail(origin, where + e.getOriginalMessage());
    } catch (IOException e) {
      throw fail(origin, e.getMessage());
    }
  }

  /** Builds the Vert.x value starting at {@code token}, keeping document order and number types. */
  private static Object jsonValue(JsonParser p, JsonToken token, String origin, int depth)
      throws IOException {
    if (depth > MAX_DEPTH) {
      throw fail(origin, "nesting deeper than " + MAX_DEPTH + " levels");
    }
    switch (token) {
      case START_OBJECT -> {
        JsonObject o = new JsonObject();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          o.put(key, jsonValue(p, p.nextToken(), origin, depth + 1));
        }
        return o;
      }
      case START_ARRAY -> {
        JsonArray a = new JsonArray();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          a.add(jsonValue(p, t, origin, depth + 1));
        }
        return a;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        return p.getNumberValue();
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> {
        JsonLocation l = p.currentTokenLocation();
        throw fail(
            origin,
            "line " + l.getLineNr() + ", column " + l.getColumnNr() + ": unexpected " + token);
      }
    }
  }

  /**
   * Converts SnakeYAML's output (already restricted by {@link StrictConstructor}) to Vert.x types.
   */
  private static Object toJson(Object value, String origin, int depth) {
    if (depth > MAX_DEPTH) {
      // Only reachable through a recursive alias (&a [*a]); nesting depth is limited by the loader.
      throw fail(origin, "nesting deeper than " + MAX_DEPTH + " levels (a recursive alias?)");
    }
    if (value instanceof Map<?, ?> map) {
      JsonObject o = new JsonObject();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        // YAML 1.1 reads keys like `on:` or `1:` as booleans or numbers; the parser then reports
        // them as unknown keys under their written form.
        o.put(String.valueOf(e.getKey()), toJson(e.getValue(), origin, depth + 1));
      }
      return o;
    }
    if (value instanceof List<?> list) {
      JsonArray a = new JsonArray();
      for (Object element : list) {
        a.add(toJson(element, origin, depth + 1));
      }
      return a;
    }
    if (value instanceof BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    return value;
  }

  private static JsonObject top(Object value, String origin) {
    if (value == null) {
      return new JsonObject();
    }
    if (value instanceof JsonObject o) {
      return o;
    }
    throw fail(origin, "expected a map at the top level, got " + ConfigReader.describe(value));
  }

  private static ConfigException fail(String origin, String message) {
    return new ConfigException(List.of(new ConfigError(origin, message)));
  }

  /** SafeConstructor minus the types a config never holds, rejected with their position. */
  private static final class StrictConstructor extends SafeConstructor {

    StrictConstructor(LoaderOptions options) {
      super(options);
      yamlConstructors.put(Tag.TIMESTAMP, new ConstructYamlStr());
      yamlConstructors.put(Tag.BINARY, new Reject("binary values"));
      yamlConstructors.put(Tag.SET, new Reject("sets"));
      yamlConstructors.put(Tag.OMAP, new Reject("ordered maps (!!omap)"));
      yamlConstructors.put(Tag.PAIRS, new Reject("pairs (!!pairs)"));
    }

    private static final class Reject extends AbstractConstruct {
      private final String what;

      Reject(String what) {
        this.what = what;
      }

      @Override
      public Object construct(Node node) {
        throw new Rejected(what + " are not supported in a config", node.getStartMark());
      }
    }
  }

  private static final class Rejected extends ConstructorException {
    private static final long serialVersionUID = 1L;

    Rejected(String problem, Mark mark) {
      super(null, null, problem, mark);
    }
  }
}
