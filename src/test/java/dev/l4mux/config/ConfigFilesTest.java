package dev.l4mux.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {

  @TempDir Path dir;

  private static List<ConfigError> failure(Runnable r) {
    return assertThrows(ConfigException.class, r::run).errors();
  }

  @Test
  void decidesJsonOrYamlByTheFirstCharacter() {
    JsonObject expected = new JsonObject().put("a", new JsonArray().add(1).add("x"));
    assertEquals(expected, ConfigFiles.parseText("  \n{\"a\": [1, \"x\"]}"));
    assertEquals(expected, ConfigFiles.parseText("a: [1, x]"));
  }

  @Test
  void keepsIntegersAsIntegersAndDocumentOrder() {
    JsonObject o = ConfigFiles.parseText("z: 1\na: 5000000000\nm: 1.5\nb: true");
    assertEquals(List.of("z", "a", "m", "b"), List.copyOf(o.fieldNames()));
    assertEquals(Integer.class, o.getValue("z").getClass());
    assertEquals(Long.class, o.getValue("a").getClass());
    assertEquals(Integer.class, ConfigFiles.parseText("{\"z\": 1}").getValue("z").getClass());
  }

  @Test
  void anEmptyDocumentIsAnEmptyConfig() throws Exception {
    assertEquals(new JsonObject(), ConfigFiles.parseText(""));
    assertEquals(new JsonObject(), ConfigFiles.parseText("# only a comment\n"));
    Path json = Files.writeString(dir.resolve("c.json"), " \n");
    assertEquals(new JsonObject(), ConfigFiles.read(json));
  }

  @Test
  void yamlTimestampsStayStrings() {
    assertEquals("2024-01-01", ConfigFiles.parseText("d: 2024-01-01").getValue("d"));
  }

  @Test
  void syntaxErrorsNameTheFileLineAndColumn() throws Exception {
    Path yaml = Files.writeString(dir.resolve("bad.yml"), "a:\n  - b\n c: d\n");
    List<ConfigError> errors = failure(() -> ConfigFiles.read(yaml));
    assertEquals(1, errors.size());
    assertEquals("bad.yml", errors.get(0).path());
    assertEquals(
        "line 3, column 2: while parsing a block mapping: expected <block end>, but found '<block"
            + " mapping start>'",
        errors.get(0).message());

    Path json = Files.writeString(dir.resolve("bad.json"), "{\n  \"a\": 1,\n  \"a\": 2\n}");
    ConfigError e = failure(() -> ConfigFiles.read(json)).get(0);
    assertEquals("bad.json", e.path());
    assertEquals("line 3, column 6: Duplicate field 'a'", e.message());

    assertEquals(
        new ConfigError(
            ConfigFiles.TEXT_ORIGIN,
            "line 1, column 4: trailing content after the top-level value"),
        failure(() -> ConfigFiles.parseText("{} [1]")).get(0));
  }

  @Test
  void theTopLevelMustBeAMap() {
    assertEquals(
        List.of(
            new ConfigError(
                ConfigFiles.TEXT_ORIGIN, "expected a map at the top level, got a string")),
        failure(() -> ConfigFiles.parseText("just text")));
  }

  @Test
  void aMissingFileIsAConfigError() {
    assertEquals(
        List.of(new ConfigError("nope.yaml", "cannot read: no such file")),
        failure(() -> ConfigFiles.read(dir.resolve("nope.yaml"))));
  }

  @Test
  void aRecursiveAliasIsRejectedNotFollowedForever() {
    List<ConfigError> errors = failure(() -> ConfigFiles.parseText("a: &x [*x]"));
    assertEquals(1, errors.size());
  }
}
