package dev.l4mux.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories (mode 0700) that are deleted, recursively, when the JVM exits. */
public final class TempDirs {
  private TempDirs() {}

  /** Creates a fresh directory under {@code java.io.tmpdir}; its absolute path is returned. */
  public static Path create(String prefix) {
    try {
      Path dir = Files.createTempDirectory(prefix).toAbsolutePath();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir), "delete " + dir));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes {@code dir} and everything below it; best effort. */
  public static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> tree = Files.walk(dir)) {
      tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // Best effort: a leftover temp dir must not fail a test.
    }
  }
}
