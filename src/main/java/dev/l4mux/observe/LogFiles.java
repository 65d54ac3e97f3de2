package dev.l4mux.observe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Log files instead of stdout/stderr (CONTRACT section 6): with {@code --log-dir DIR} or
 * {@code L4MUX_LOG_DIR}, the access log goes to {@code DIR/access.log} and the node's own log
 * (the {@code java.util.logging} root logger: l4mux, Vert.x, Netty, Hazelcast) to
 * {@code DIR/l4mux.log}, each a {@link RotatingFile}: {@code L4MUX_LOG_MAX_SIZE} per file (default
 * {@code 100m}; {@code k}, {@code m}, {@code g} suffixes) and {@code L4MUX_LOG_FILES} files kept
 * per log (default 10, the current one included); {@code L4MUX_LOG_ROTATE} {@code size} (the
 * default) or {@code daily} (also at each UTC midnight, rotated files named by the day). Without a
 * directory nothing changes.
 */
public final class LogFiles {

  public static final String DIR_ENV = "L4MUX_LOG_DIR";
  public static final String MAX_SIZE_ENV = "L4MUX_LOG_MAX_SIZE";
  public static final String FILES_ENV = "L4MUX_LOG_FILES";
  public static final String ROTATE_ENV = "L4MUX_LOG_ROTATE";
  public static final long DEFAULT_MAX_BYTES = 100L * 1024 * 1024;
  public static final int DEFAULT_FILES = 10;

  private static volatile RotatingFile accessLog;
  private static volatile RotatingFile nodeLog;

  private LogFiles() {}

  /** Where the log files go and how they rotate. */
  public record Settings(Path dir, long maxBytes, int files, RotatingFile.Rotation rotation) {

    /** Rotated by size. */
    public Settings(Path dir, long maxBytes, int files) {
      this(dir, maxBytes, files, RotatingFile.Rotation.SIZE);
    }

    /**
     * From {@code --log-dir} (null when not given) and the environment.
     *
     * @return null when neither names a directory
     * @throws IllegalArgumentException naming the variable whose value is wrong
     */
    public static Settings from(String logDirArgument, Map<String, String> env) {
      String dir = logDirArgument != null ? logDirArgument : env.get(DIR_ENV);
      if (dir == null || dir.isBlank()) {
        return null;
      }
      long maxBytes = env.containsKey(MAX_SIZE_ENV) ? parseSize(env.get(MAX_SIZE_ENV)) : DEFAULT_MAX_BYTES;
      int files = DEFAULT_FILES;
      if (env.containsKey(FILES_ENV)) {
        try {
          files = Integer.parseInt(env.get(FILES_ENV).trim());
        } catch (NumberFormatException e) {
          files = -1;
        }
        if (files < 2) {
          throw new IllegalArgumentException(FILES_ENV + ": expected a whole number of files of at least 2 (the current and one rotated), got '"
              + env.get(FILES_ENV) + "'");
        }
      }
      return new Settings(Path.of(dir), maxBytes, files, rotation(env.get(ROTATE_ENV)));
    }

    /** {@code size} (also when unset) or {@code daily}. */
    static RotatingFile.Rotation rotation(String text) {
      if (text == null || text.isBlank() || text.trim().equalsIgnoreCase("size")) {
        return RotatingFile.Rotation.SIZE;
      }
      if (text.trim().equalsIgnoreCase("daily")) {
        return RotatingFile.Rotation.DAILY;
      }
      throw new IllegalArgumentException(ROTATE_ENV + ": expected size or daily, got '" + text + "'");
    }

    /** {@code 1048576}, {@code 512k}, {@code 100m}, {@code 1g} (also {@code 100MB}, {@code 100MiB}). */
    static long parseSize(String text) {
      String value = text.trim().toLowerCase(Locale.ROOT).replaceFirst("i?b$", "");
      long unit = 1;
      if (!value.isEmpty()) {
        switch (value.charAt(value.length() - 1)) {
          case 'k' -> unit = 1024;
          case 'm' -> unit = 1024 * 1024;
          case 'g' -> unit = 1024L * 1024 * 1024;
          default -> unit = 1;
        }
      }
      String digits = unit == 1 ? value : value.substring(0, value.length() - 1);
      try {
        long number = Long.parseLong(digits);
        if (number > 0) {
          return Math.multiplyExact(number, unit);
        }
      } catch (NumberFormatException | ArithmeticException e) {
        // reported below
      }
      throw new IllegalArgumentException(MAX_SIZE_ENV + ": expected a positive size such as 100m, 512k or 1048576, got '" + text + "'");
    }
  }

  /**
   * Opens both files and points the access log and the root logger at them; called by the
   * launcher before anything logs.
   *
   * @throws IllegalArgumentException when the directory cannot be created or written
   */
  public static synchronized void install(Settings settings) {
    try {
      Files.createDirectories(settings.dir());
      Clock clock = Clock.systemUTC();
      accessLog = new RotatingFile(settings.dir().resolve("access.log"), settings.maxBytes(), settings.files(), false, settings.rotation(), clock);
      nodeLog = new RotatingFile(settings.dir().resolve("l4mux.log"), settings.maxBytes(), settings.files(), true, settings.rotation(), clock);
    } catch (IOException e) {
      throw new IllegalArgumentException("log directory " + settings.dir().toAbsolutePath() + ": " + e, e);
    }
    Logger root = Logger.getLogger("");
    for (Handler handler : root.getHandlers()) {
      root.removeHandler(handler); // the console handler on stderr
    }
    root.addHandler(new SinkHandler(nodeLog, new SimpleFormatter()));
  }

  /** The access log file, or null when the access log goes to stdout. */
  public static RotatingFile accessLog() {
    return accessLog;
  }

  /** The node log file, or null when the node logs to stderr. */
  public static RotatingFile nodeLog() {
    return nodeLog;
  }

  /** A {@code java.util.logging} handler writing each formatted record to a sink in one write. */
  static final class SinkHandler extends Handler {
    private final LineSink sink;

    SinkHandler(LineSink sink, Formatter formatter) {
      this.sink = sink;
      setFormatter(formatter);
    }

    @Override
    public void publish(LogRecord record) {
      if (!isLoggable(record)) {
        return;
      }
      String text;
      try {
        text = getFormatter().format(record);
      } catch (RuntimeException e) {
        text = record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage() + " (unformattable: " + e + ")";
      }
      sink.write(text.endsWith("\n") ? text : text + "\n");
    }

    @Override
    public void flush() {
      sink.flush();
    }

    /** java.util.logging closes handlers in its shutdown hook, while l4mux still drains: only flush. */
    @Override
    public void close() {
      sink.flush();
    }
  }
}
