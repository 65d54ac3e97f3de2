package dev.l4mux.observe;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A log file rotated by size, keeping a bounded number of files: {@code NAME} is written,
 * {@code NAME.1} is the newest rotated file, {@code NAME.<keep-1>} the oldest; older ones are
 * deleted. Rotation happens between two writes, never inside one, and every write is whole lines,
 * so no line is split across files or lost at a rotation (the renames are atomic on one file
 * system). A file exceeds {@code maxBytes} only when a single write is larger than that.
 */
public final class RotatingFile implements LineSink {

  private static final int BUFFER_BYTES = 64 * 1024;
  private static final long ERROR_REPORT_INTERVAL_NANOS = 10_000_000_000L;

  private final Path file;
  private final long maxBytes;
  private final int keep;
  private final boolean flushEachWrite;
  private OutputStream out;
  private long size;
  private long rotations;
  private long lastErrorReport = System.nanoTime() - ERROR_REPORT_INTERVAL_NANOS;
  private long failedWrites;

  /**
   * Opens (appends to) {@code file}.
   *
   * @param keep how many files exist at most, the one being written included (at least 2)
   * @param flushEachWrite true for a low-volume log read with {@code tail -f}; false to flush on
   *     {@link #flush()} only
   */
  public RotatingFile(Path file, long maxBytes, int keep, boolean flushEachWrite) throws IOException {
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
    open();
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
      if (size > 0 && size + bytes.length > maxBytes) {
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

  /** NAME.(keep-2) -> NAME.(keep-1), ..., NAME -> NAME.1 (dropping the oldest), then a new NAME. */
  private void rotate() throws IOException {
    OutputStream old = out;
    out = null;
    old.close();
    Files.deleteIfExists(rotated(keep - 1));
    for (int i = keep - 2; i >= 1; i--) {
      if (Files.exists(rotated(i))) {
        Files.move(rotated(i), rotated(i + 1), StandardCopyOption.ATOMIC_MOVE);
      }
    }
    Files.move(file, rotated(1), StandardCopyOption.ATOMIC_MOVE);
    rotations++;
    open();
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
