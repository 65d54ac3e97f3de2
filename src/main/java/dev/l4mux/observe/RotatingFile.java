package dev.l4mux.observe;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * A log file rotated by size, or by day and size, keeping a bounded number of files. Rotation
 * happens between two writes, never inside one, and every write is whole lines, so no line is
 * split across files or lost at a rotation (the renames are atomic on one file system). A file
 * exceeds {@code maxBytes} only when a single write is larger than that.
 *
 * <ul>
 *   <li>{@link Rotation#SIZE}: {@code NAME} is written, {@code NAME.1} is the newest rotated file,
 *       {@code NAME.<keep-1>} the oldest; older ones are deleted.
 *   <li>{@link Rotation#DAILY}: also at each UTC midnight (the access log's {@code ts} is UTC).
 *       Rotated files carry the UTC day their lines were written: {@code NAME.2026-12-01.1},
 *       {@code .2}, ... in the order written ({@link DatedLogFiles}); the oldest beyond
 *       {@code keep-1} are deleted. A file left by an earlier day is rotated at the first write.
 * </ul>
 */
public final class RotatingFile implements LineSink {

  /** When files rotate. */
  public enum Rotation {
    /** When the next write would pass the size limit. */
    SIZE,
    /** At each UTC day boundary, and within a day by size. */
    DAILY
  }

  private static final int BUFFER_BYTES = 64 * 1024;
  private static final long ERROR_REPORT_INTERVAL_NANOS = 10_000_000_000L;

  private final Path file;
  private final long maxBytes;
  private final int keep;
  private final boolean flushEachWrite;
  private final Rotation rotation;
  private final Clock clock;
  private final DatedLogFiles dated;
  private OutputStream out;
  private long size;
  private LocalDate day; // DAILY: the UTC day of the lines in the current file
  private long nextDayMillis; // DAILY: when that day ends
  private long rotations;
  private long lastErrorReport = System.nanoTime() - ERROR_REPORT_INTERVAL_NANOS;
  private long failedWrites;

  /** A file rotated by size only. */
  public RotatingFile(Path file, long maxBytes, int keep, boolean flushEachWrite) throws IOException {
    this(file, maxBytes, keep, flushEachWrite, Rotation.SIZE, Clock.systemUTC());
  }

  /**
   * Opens (appends to) {@code file}.
   *
   * @param keep how many files exist at most, the one being written included (at least 2)
   * @param flushEachWrite true for a low-volume log read with {@code tail -f}; false to flush on
   *     {@link #flush()} only
   * @param clock what "today" is ({@link Rotation#DAILY}; tests inject one)
   */
  public RotatingFile(Path file, long maxBytes, int keep, boolean flushEachWrite, Rotation rotation, Clock clock) throws IOException {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maximum log file size must be positive: " + maxBytes);
    }
    if (keep < 2) {
      throw new IllegalArgumentException("at least 2 log files must be kept (the current and one rotated): " + keep);
    }
    this.file = file;
    this.maxBytes = maxBytes;
    this.keep = keep;
    this.flushEachWrite = flushEachWrite;
    this.rotation = rotation;
    this.clock = clock;
    this.dated = new DatedLogFiles(file);
    open();
    if (rotation == Rotation.DAILY) {
      // A file that already holds lines keeps the day it was last written (a restart after midnight).
      LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
      LocalDate written = size > 0 ? LocalDate.ofInstant(Files.getLastModifiedTime(file).toInstant(), ZoneOffset.UTC) : today;
      startDay(written.isAfter(today) ? today : written);
    }
  }

  public Path path() {
    return file;
  }

  /** How many rotations this process made. */
  public synchronized long rotations() {
    return rotations;
  }

  @Override
  public synchronized void write(CharSequence lines) {
    byte[] bytes = lines.toString().getBytes(StandardCharsets.UTF_8);
    try {
      if (out == null) {
        open(); // a failed rotation left no file open: try again
      }
      if (rotation == Rotation.DAILY && clock.millis() >= nextDayMillis) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        if (size > 0) {
          rotate();
        }
        startDay(today);
      } else if (size > 0 && size + bytes.length > maxBytes) {
        rotate();
      }
      out.write(bytes);
      size += bytes.length;
      if (flushEachWrite) {
        out.flush();
      }
    } catch (IOException e) {
      failed(e);
    }
  }

  @Override
  public synchronized void flush() {
    try {
      if (out != null) {
        out.flush();
      }
    } catch (IOException e) {
      failed(e);
    }
  }

  private void open() throws IOException {
    out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND), BUFFER_BYTES);
    size = Files.size(file);
  }

  private void startDay(LocalDate newDay) {
    day = newDay;
    nextDayMillis = newDay.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  }

  private void rotate() throws IOException {
    OutputStream old = out;
    out = null;
    old.close();
    if (rotation == Rotation.DAILY) {
      dated.rotate(day, keep - 1);
    } else {
      rotateNumbered();
    }
    rotations++;
    open();
  }

  /** NAME.(keep-2) -> NAME.(keep-1), ..., NAME -> NAME.1 (dropping the oldest). */
  private void rotateNumbered() throws IOException {
    Files.deleteIfExists(rotated(keep - 1));
    for (int i = keep - 2; i >= 1; i--) {
      if (Files.exists(rotated(i))) {
        Files.move(rotated(i), rotated(i + 1), StandardCopyOption.ATOMIC_MOVE);
      }
    }
    Files.move(file, rotated(1), StandardCopyOption.ATOMIC_MOVE);
  }

  private Path rotated(int index) {
    return file.resolveSibling(file.getFileName() + "." + index);
  }

  /** A full disk or a removed directory: said on stderr at most once per 10 s, with a count. */
  private void failed(IOException e) {
    failedWrites++;
    long now = System.nanoTime();
    if (now - lastErrorReport >= ERROR_REPORT_INTERVAL_NANOS) {
      lastErrorReport = now;
      System.err.println("l4mux: cannot write " + file + " (" + failedWrites + " writes failed so far): " + e);
    }
  }
}
