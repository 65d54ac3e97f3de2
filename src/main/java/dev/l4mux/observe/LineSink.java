package dev.l4mux.observe;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Where whole log lines go: stdout (the default) or a {@link RotatingFile}. A write hands over
 * complete lines only (each ending in a line break), and a sink never splits one write, so a line
 * is never interleaved with another or cut by a rotation.
 */
public interface LineSink {

  /** Appends {@code lines}, which end with a line break; thread-safe. */
  void write(CharSequence lines);

  /** Pushes buffered lines to the file or stream. */
  void flush();

  /** A buffered sink on the process's stdout (file descriptor 1, whatever {@code System.out} is). */
  static LineSink stdout() {
    return new LineSink() {
      private final PrintStream out = new PrintStream(
          new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024), false, StandardCharsets.UTF_8);

      @Override
      public synchronized void write(CharSequence lines) {
        out.append(lines);
      }

      @Override
      public synchronized void flush() {
        out.flush();
      }
    };
  }
}
