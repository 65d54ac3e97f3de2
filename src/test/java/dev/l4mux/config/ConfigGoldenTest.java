package dev.l4mux.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files: each {@code config/invalid/X.yaml} must produce exactly the {@code path: message}
 * lines of {@code X.errors}, in order; each {@code config/valid/*} must parse.
 */
class ConfigGoldenTest {

  static Stream<Path> invalidFiles() throws IOException, URISyntaxException {
    return files("config/invalid", ".yaml");
  }

  static Stream<Path> validFiles() throws IOException, URISyntaxException {
    return Stream.concat(files("config/valid", ".yaml"), files("config/valid", ".json"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidFiles")
  void reportsExactlyTheExpectedErrors(Path yaml) throws IOException {
    Path expectedFile =
        yaml.resolveSibling(yaml.getFileName().toString().replace(".yaml", ".errors"));
    List<String> expected =
        Files.readAllLines(expectedFile, StandardCharsets.UTF_8).stream()
            .filter(line -> !line.isBlank())
            .toList();
    assertEquals(String.join("\n", expected), String.join("\n", errorsOf(yaml)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validFiles")
  void parses(Path file) {
    assertEquals("", String.join("\n", errorsOf(file)));
    L4muxConfig config = ConfigParser.parse(ConfigFiles.read(file));
    assertEquals(ConfigFiles.read(file), config.source());
  }

  @Test
  void everyInvalidFileHasItsErrorsFileAndTheCorpusIsLargeEnough() throws Exception {
    List<Path> yamls = invalidFiles().toList();
    assertTrue(yamls.size() >= 8, "at least 8 golden cases");
    for (Path yaml : yamls) {
      Path errors = yaml.resolveSibling(yaml.getFileName().toString().replace(".yaml", ".errors"));
      assertTrue(Files.exists(errors), "missing " + errors.getFileName());
    }
    try (Stream<Path> all = Files.list(dir("config/invalid"))) {
      all.filter(p -> p.toString().endsWith(".errors"))
          .forEach(
              p ->
                  assertTrue(
                      Files.exists(
                          p.resolveSibling(p.getFileName().toString().replace(".errors", ".yaml"))),
                      "orphan " + p.getFileName()));
    }
  }

  /** Errors of a file, whether it fails to load or to validate. */
  private static List<String> errorsOf(Path file) {
    try {
      return ConfigParser.validate(ConfigFiles.read(file)).stream()
          .map(ConfigError::toString)
          .toList();
    } catch (ConfigException e) {
      return e.errors().stream().map(ConfigError::toString).toList();
    }
  }

  private static Stream<Path> files(String resource, String suffix)
      throws IOException, URISyntaxException {
    try (Stream<Path> all = Files.list(dir(resource))) {
      return all
          .filter(p -> p.getFileName().toString().endsWith(suffix))
          .sorted()
          .toList()
          .stream();
    }
  }

  private static Path dir(String resource) throws URISyntaxException {
    return Path.of(ConfigGoldenTest.class.getClassLoader().getResource(resource).toURI());
  }
}
