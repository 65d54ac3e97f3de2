package dev.l4mux.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.observe.RotatingFile.Rotation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code L4MUX_LOG_ROTATE=daily}: files rotate at UTC midnight, named by their day, bounded, no line lost. */
class DailyRotationTest {

  /** A clock the test moves; never the real one. */
  static final class TestClock extends Clock {
    private volatile Instant now;

    TestClock(String instant) {
      now = Instant.parse(instant);
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this; // "today" is always asked in UTC
    }
  }

  @TempDir Path dir;

  private RotatingFile daily(TestClock clock, long maxBytes, int keep) throws IOException {
    return new RotatingFile(dir.resolve("access.log"), maxBytes, keep, true, Rotation.DAILY, clock);
  }

  @Test
  void rotatesAtUtcMidnightIntoAFileNamedByTheDayItsLinesWereWritten() throws IOException {
    TestClock clock = new TestClock("2026-12-01T23:59:59.998Z");
    RotatingFile file = daily(clock, 1 << 20, 10);
    file.write("dec-1 a\n");
    clock.advance(Duration.ofMillis(1));
    file.write("dec-1 b\n"); // 23:59:59.999: still the 1st
    clock.advance(Duration.ofMillis(1));
    file.write("dec-2 a\n"); // midnight: the 2nd
    clock.advance(Duration.ofDays(2));
    file.write("dec-4 a\n"); // a quiet day in between leaves no empty file

    assertEquals(Set.of("access.log", "access.log.2026-12-01.1", "access.log.2026-12-02.1"), names());
    assertEquals(List.of("dec-1 a", "dec-1 b"), lines("access.log.2026-12-01.1"));
    assertEquals(List.of("dec-2 a"), lines("access.log.2026-12-02.1"));
    assertEquals(List.of("dec-4 a"), lines("access.log"));
    assertEquals(2, file.rotations());
  }

  @Test
  void withinADayItRotatesBySizeInTheOrderWritten() throws IOException {
    TestClock clock = new TestClock("2026-12-01T10:00:00Z");
    RotatingFile file = daily(clock, 20, 10);
    for (int i = 0; i < 5; i++) {
      file.write("line-" + i + "-xxxxxxx\n"); // 15 bytes: one line per file
    }
    clock.advance(Duration.ofDays(1));
    file.write("next-day\n");

    assertEquals(List.of("line-0-xxxxxxx"), lines("access.log.2026-12-01.1"));
    assertEquals(List.of("line-3-xxxxxxx"), lines("access.log.2026-12-01.4"));
    assertEquals(List.of("line-4-xxxxxxx"), lines("access.log.2026-12-01.5"));
    assertEquals(List.of("next-day"), lines("access.log"));
  }

  @Test
  void keepsABoundedNumberOfFilesDroppingTheOldestDays() throws IOException {
    TestClock clock = new TestClock("2026-12-01T12:00:00Z");
    RotatingFile file = daily(clock, 1 << 20, 3);
    for (int day = 1; day <= 6; day++) {
      file.write("day-" + day + "\n");
      clock.advance(Duration.ofDays(1));
    }
    file.write("day-7\n");

    assertEquals(Set.of("access.log", "access.log.2026-12-05.1", "access.log.2026-12-06.1"), names());
    assertEquals(List.of("day-7"), lines("access.log"));
  }

  @Test
  void aFileLeftByAnEarlierDayIsRotatedUnderThatDayAtTheFirstWrite() throws IOException {
    Files.writeString(dir.resolve("access.log"), "written before the restart\n");
    Files.setLastModifiedTime(dir.resolve("access.log"), FileTime.from(Instant.parse("2026-11-30T22:00:00Z")));
    Files.writeString(dir.resolve("access.log.1"), "a size-rotated file of an earlier run: left alone\n");
    TestClock clock = new TestClock("2026-12-01T08:00:00Z");
    RotatingFile file = daily(clock, 1 << 20, 2);
    file.write("after the restart\n");

    assertEquals(List.of("written before the restart"), lines("access.log.2026-11-30.1"));
    assertEquals(List.of("after the restart"), lines("access.log"));
    assertTrue(names().contains("access.log.1"));
  }

  @Test
  void concurrentWritersAcrossDayAndSizeRotationsNeverSplitOrLoseALine() throws Exception {
    TestClock clock = new TestClock("2026-12-01T00:00:00Z");
    RotatingFile file = new RotatingFile(dir.resolve("access.log"), 16 * 1024, 1_000, false, Rotation.DAILY, clock);
    int threads = 8;
    int linesPerThread = 2_000;
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread writer = new Thread(() -> {
        for (int i = 0; i < linesPerThread; i++) {
          if (thread == 0 && i % 100 == 0) {
            clock.advance(Duration.ofHours(7)); // 20 times 7 h: a day boundary every few hundred lines
          }
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
    Set<String> days = new TreeSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        String name = p.getFileName().toString();
        assertTrue(name.equals("access.log") || name.matches("access\\.log\\.\\d{4}-\\d{2}-\\d{2}\\.\\d+"), name);
        if (!name.equals("access.log")) {
          days.add(name.substring(11, 21));
        }
        for (String line : Files.readAllLines(p)) {
          assertTrue(line.matches("\\{\"thread\":\\d+,\"n\":\\d+,\"pad\":\"p*\"}"), () -> "split or mixed line in " + p + ": " + line);
          assertTrue(seen.add(line.substring(0, line.indexOf(",\"pad\""))), () -> "duplicate line " + line);
        }
      }
    }
    assertEquals(threads * linesPerThread, seen.size());
    assertTrue(days.size() >= 5, "rotated days: " + days);
    assertTrue(file.rotations() > days.size(), "size rotations within days too: " + file.rotations());
  }

  @Test
  void theRotationComesFromTheEnvironment() {
    Map<String, String> env = Map.of("L4MUX_LOG_DIR", "logs", "L4MUX_LOG_ROTATE", "daily");
    assertEquals(Rotation.DAILY, LogFiles.Settings.from(null, env).rotation());
    assertEquals(Rotation.SIZE, LogFiles.Settings.from(null, Map.of("L4MUX_LOG_DIR", "logs")).rotation());
    assertEquals(Rotation.SIZE, LogFiles.Settings.from(null, Map.of("L4MUX_LOG_DIR", "logs", "L4MUX_LOG_ROTATE", "size")).rotation());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> LogFiles.Settings.from(null, Map.of("L4MUX_LOG_DIR", "logs", "L4MUX_LOG_ROTATE", "hourly")));
    assertEquals("L4MUX_LOG_ROTATE: expected size or daily, got 'hourly'", bad.getMessage());
  }

  private Set<String> names() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return new TreeSet<>(files.map(p -> p.getFileName().toString()).toList());
    }
  }

  private List<String> lines(String name) throws IOException {
    return Files.readAllLines(dir.resolve(name));
  }
}
