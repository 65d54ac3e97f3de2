package dev.l4mux.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingFileTest {

  @TempDir Path dir;

  @Test
  void rotatesBetweenWritesAndKeepsTheNewestFiles() throws IOException {
    RotatingFile file = new RotatingFile(dir.resolve("access.log"), 100, 3, false);
    for (int i = 0; i < 10; i++) {
      file.write(String.format("line-%02d-%s%n", i, "x".repeat(32))); // 41 bytes: two lines per file
    }
    file.flush();

    assertEquals(Set.of("access.log", "access.log.1", "access.log.2"), names());
    assertEquals(List.of("line-08", "line-09"), prefixes("access.log"));
    assertEquals(List.of("line-06", "line-07"), prefixes("access.log.1"));
    assertEquals(List.of("line-04", "line-05"), prefixes("access.log.2"));
    assertEquals(4, file.rotations());
  }

  @Test
  void aWriteLargerThanTheLimitStaysWholeInOneFile() throws IOException {
    RotatingFile file = new RotatingFile(dir.resolve("access.log"), 10, 2, true);
    file.write("short\n");
    file.write("a line much longer than ten bytes\nand a second one in the same write\n");

    assertEquals(List.of("a line much longer than ten bytes", "and a second one in the same write"),
        Files.readAllLines(dir.resolve("access.log")));
    assertEquals(List.of("short"), Files.readAllLines(dir.resolve("access.log.1")));
  }

  @Test
  void appendsToAnExistingFileAndCountsItsSize() throws IOException {
    Files.writeString(dir.resolve("l4mux.log"), "x".repeat(95) + "\n");
    RotatingFile file = new RotatingFile(dir.resolve("l4mux.log"), 100, 2, true);
    file.write("next\n");

    assertEquals(List.of("next"), Files.readAllLines(dir.resolve("l4mux.log")));
    assertEquals(1, Files.readAllLines(dir.resolve("l4mux.log.1")).size());
  }

  @Test
  void concurrentWritersNeverSplitOrLoseALine() throws Exception {
    int threads = 8;
    int linesPerThread = 2_000;
    RotatingFile file = new RotatingFile(dir.resolve("access.log"), 16 * 1024, 1_000, false);
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread writer = new Thread(() -> {
        for (int i = 0; i < linesPerThread; i++) {
          file.write("{\"thread\":" + thread + ",\"n\":" + i + ",\"pad\":\"" + "p".repeat(i % 200) + "\"}\n");
        }
      });
      writer.start();
      writers.add(writer);
    }
    for (Thread writer : writers) {
      writer.join();
    }
    file.flush();

    Set<String> seen = new HashSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        for (String line : Files.readAllLines(p)) {
          assertTrue(line.matches("\\{\"thread\":\\d+,\"n\":\\d+,\"pad\":\"p*\"}"), () -> "split or mixed line in " + p + ": " + line);
          assertTrue(seen.add(line.substring(0, line.indexOf(",\"pad\""))), () -> "duplicate line " + line);
        }
      }
    }
    assertEquals(threads * linesPerThread, seen.size());
    assertTrue(file.rotations() > 10, "rotations: " + file.rotations());
  }

  @Test
  void settingsComeFromTheArgumentOrTheEnvironment() {
    assertEquals(null, LogFiles.Settings.from(null, Map.of()));
    LogFiles.Settings fromEnv = LogFiles.Settings.from(null, Map.of("L4MUX_LOG_DIR", "/var/log/l4mux"));
    assertEquals(new LogFiles.Settings(Path.of("/var/log/l4mux"), LogFiles.DEFAULT_MAX_BYTES, LogFiles.DEFAULT_FILES), fromEnv);
    LogFiles.Settings fromArg = LogFiles.Settings.from("logs",
        Map.of("L4MUX_LOG_DIR", "/elsewhere", "L4MUX_LOG_MAX_SIZE", "64k", "L4MUX_LOG_FILES", "4"));
    assertEquals(new LogFiles.Settings(Path.of("logs"), 64 * 1024, 4), fromArg);
  }

  @Test
  void sizesTakeUnits() {
    assertEquals(1_048_576, LogFiles.Settings.parseSize("1048576"));
    assertEquals(512 * 1024, LogFiles.Settings.parseSize("512k"));
    assertEquals(100L * 1024 * 1024, LogFiles.Settings.parseSize("100MiB"));
    assertEquals(100L * 1024 * 1024, LogFiles.Settings.parseSize("100M"));
    assertEquals(2L * 1024 * 1024 * 1024, LogFiles.Settings.parseSize("2g"));
  }

  @Test
  void badSettingsNameTheirVariable() {
    for (String bad : List.of("", "0", "-5m", "ten", "5x", "99999999999g")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LogFiles.Settings.from("d", Map.of("L4MUX_LOG_MAX_SIZE", bad)), bad);
      assertTrue(e.getMessage().startsWith("L4MUX_LOG_MAX_SIZE: "), e.getMessage());
    }
    for (String bad : List.of("1", "0", "many")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LogFiles.Settings.from("d", Map.of("L4MUX_LOG_FILES", bad)), bad);
      assertTrue(e.getMessage().startsWith("L4MUX_LOG_FILES: "), e.getMessage());
    }
  }

  private Set<String> names() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
    }
  }

  private List<String> prefixes(String name) throws IOException {
    return Files.readAllLines(dir.resolve(name)).stream().map(l -> l.substring(0, 7)).toList();
  }
}
