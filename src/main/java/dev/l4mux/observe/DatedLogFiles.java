package dev.l4mux.observe;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rotated files of a daily-rotated log: {@code NAME.YYYY-MM-DD.N}, N counting from 1 in the
 * order the day's files were rotated, so (day, N) orders them oldest first.
 */
final class DatedLogFiles {

  /** A rotated file's day and sequence number. */
  record Rotated(Path path, LocalDate day, int sequence) {}

  private static final Comparator<Rotated> OLDEST_FIRST = Comparator.comparing(Rotated::day).thenComparingInt(Rotated::sequence);

  private final Path file;
  private final Pattern name;

  DatedLogFiles(Path file) {
    this.file = file;
    this.name = Pattern.compile(Pattern.quote(file.getFileName().toString()) + "\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d{1,9})");
  }

  /** Renames the current file to the next name of {@code day}, then deletes the oldest beyond {@code kept}. */
  void rotate(LocalDate day, int kept) throws IOException {
    List<Rotated> existing = list();
    int next = existing.stream().filter(r -> r.day().equals(day)).mapToInt(Rotated::sequence).max().orElse(0) + 1;
    Path target = file.resolveSibling(file.getFileName() + "." + day + "." + next);
    Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    existing.add(new Rotated(target, day, next));
    existing.sort(OLDEST_FIRST);
    for (int i = 0; i < existing.size() - kept; i++) {
      Files.deleteIfExists(existing.get(i).path());
    }
  }

  /** The rotated files now in the directory, oldest first. */
  List<Rotated> list() throws IOException {
    List<Rotated> out = new ArrayList<>();
    Path dir = file.toAbsolutePath().getParent();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, file.getFileName() + ".*")) {
      for (Path entry : entries) {
        Matcher m = name.matcher(entry.getFileName().toString());
        if (m.matches()) {
          try {
            out.add(new Rotated(entry, LocalDate.parse(m.group(1)), Integer.parseInt(m.group(2))));
          } catch (DateTimeParseException notADate) {
            // NAME.2026-13-45.1 is not one of ours: left alone
          }
        }
      }
    }
    out.sort(OLDEST_FIRST);
    return out;
  }
}
