package dev.l4mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every cookbook file in conf/examples/ passes {@code validate}, and the README points to each. */
class ConfigExamplesTest {

  @Test
  void everyExampleIsValid() throws IOException {
    List<Path> examples;
    try (Stream<Path> files = Files.list(Path.of("conf/examples"))) {
      examples = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(examples.size() >= 4, "examples: " + examples);
    String readme = Files.readString(Path.of("README.md"));
    for (Path example : examples) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int code = L4muxLauncher.validate(new String[] {"validate", example.toString()},
          new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
      assertEquals(0, code, example + ":\n" + out.toString(StandardCharsets.UTF_8));
      assertTrue(readme.contains("conf/examples/" + example.getFileName()), "README does not point to " + example);
    }
  }
}
