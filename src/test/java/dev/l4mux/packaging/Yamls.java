package dev.l4mux.packaging;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** Reads packaging YAML (manifests, compose, alert rules) strictly: duplicate keys are errors. */
final class Yamls {

  private Yamls() {}

  /** Every document of a (multi-document) YAML file, each a map. */
  static List<Map<String, Object>> documents(Path file) throws IOException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Yaml(options).loadAll(Files.readString(file))) {
      if (doc != null) {
        assertTrue(doc instanceof Map, file + ": a document is not a mapping: " + doc);
        docs.add(map(doc));
      }
    }
    return docs;
  }

  static Map<String, Object> document(Path file) throws IOException {
    List<Map<String, Object>> docs = documents(file);
    assertTrue(docs.size() == 1, file + ": expected one document, got " + docs.size());
    return docs.get(0);
  }

  /** The value at a dotted path ({@code spec.template.spec}); fails naming the path when absent. */
  static Object at(Map<String, Object> root, String path) {
    Object current = root;
    for (String key : path.split("\\.")) {
      assertTrue(current instanceof Map, () -> path + ": '" + key + "' is not inside a mapping");
      current = map(current).get(key);
      assertNotNull(current, () -> "missing " + path + " (at '" + key + "')");
    }
    return current;
  }

  static Map<String, Object> mapAt(Map<String, Object> root, String path) {
    return map(at(root, path));
  }

  static List<Map<String, Object>> listAt(Map<String, Object> root, String path) {
    Object value = at(root, path);
    assertTrue(value instanceof List, path + " is not a list");
    List<Map<String, Object>> list = new ArrayList<>();
    for (Object item : (List<?>) value) {
      list.add(map(item));
    }
    return list;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    assertTrue(value instanceof Map, () -> "not a mapping: " + value);
    return (Map<String, Object>) value;
  }
}
