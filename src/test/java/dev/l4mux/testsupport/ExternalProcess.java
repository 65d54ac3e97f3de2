package dev.l4mux.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child process for end-to-end tests: stdout and stderr are drained into strings by background
 * threads (so the child never blocks on a full pipe), optional stdin bytes are written and then
 * stdin is closed, and {@link #stop()} ends the process <em>and its descendants</em> by PID.
 *
 * <p>Every process gets a hard deadline after which it is stopped even if nobody calls {@link
 * #stop()}, and all still-running processes are stopped when the JVM exits, so a failing test
 * cannot leak an {@code sshd} or {@code openssl s_server}. Descendants that daemonise away (double
 * fork) are not found by {@link ProcessHandle#descendants()} and are not stopped.
 *
 * <pre>{@code
 * try (var p = ExternalProcess.start(List.of("openssl", "version"))) {
 *   var r = p.await(Duration.ofSeconds(10));
 *   assertEquals(0, r.exitCode());
 * }
 * }</pre>
 */
public final class ExternalProcess implements AutoCloseable {

  /** What a finished (or stopped) process left behind. */
  public record Result(int exitCode, String stdout, String stderr) {}

  /** Deadline used by the overloads that do not take one. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(2);

  private static final Duration STOP_GRACE = Duration.ofSeconds(2);
  private static final Duration DRAIN_GRACE = Duration.ofSeconds(2);
  private static final Set<ExternalProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> LIVE.forEach(ExternalProcess::stop), "external-process-reaper"));
  }

  private final List<String> command;
  private final Process process;
  private final Capture stdout;
  private final Capture stderr;
  private final Thread watchdog;

  private ExternalProcess(List<String> command, Process process, byte[] stdin, Duration deadline) {
    this.command = List.copyOf(command);
    this.process = process;
    this.stdout = new Capture(process.getInputStream(), "stdout of " + command.get(0));
    this.stderr = new Capture(process.getErrorStream(), "stderr of " + command.get(0));
    daemon("stdin of " + command.get(0), () -> feed(process.getOutputStream(), stdin)).start();
    this.watchdog = daemon("deadline of " + command.get(0), () -> enforce(deadline));
    watchdog.start();
  }

  /** Starts {@code command} with stdin closed immediately and {@link #DEFAULT_DEADLINE}. */
  public static ExternalProcess start(List<String> command) {
    return start(command, new byte[0], DEFAULT_DEADLINE);
  }

  /**
   * Starts {@code command}, writes {@code stdin} (may be empty) and closes stdin afterwards.
   *
   * @param deadline the process tree is stopped once it has run this long
   */
  public static ExternalProcess start(List<String> command, byte[] stdin, Duration deadline) {
    try {
      Process process = new ProcessBuilder(command).start();
      ExternalProcess p = new ExternalProcess(command, process, stdin, deadline);
      LIVE.add(p);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  /** Runs {@code command} to completion: start, {@link #await}, and stop on the way out. */
  public static Result run(List<String> command, byte[] stdin, Duration timeout) {
    try (ExternalProcess p = start(command, stdin, timeout.plusSeconds(5))) {
      return p.await(timeout);
    }
  }

  /**
   * Waits for the process to exit and for its output to be drained.
   *
   * @throws IllegalStateException if it has not exited within {@code timeout}; the message holds
   *     the output so far. The process is left running (close it).
   */
  public Result await(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            command + " still running after " + timeout + describe(stdout(), stderr()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + command, e);
    }
    return collect();
  }

  /**
   * Waits until the stdout captured so far satisfies {@code condition} or the process exits.
   *
   * @return whether the condition held (false on exit or timeout without it)
   */
  public boolean awaitStdout(Predicate<String> condition, Duration timeout) {
    return stdout.await(condition, process, timeout);
  }

  /** Like {@link #awaitStdout} for stderr (where servers such as {@code sshd -e} log). */
  public boolean awaitStderr(Predicate<String> condition, Duration timeout) {
    return stderr.await(condition, process, timeout);
  }

  /** Stops the process tree and returns what it wrote; the exit code is 143 after SIGTERM. */
  public Result stopAndCollect() {
    stop();
    return collect();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Stdout captured so far. */
  public String stdout() {
    return stdout.text();
  }

  /** Stderr captured so far. */
  public String stderr() {
    return stderr.text();
  }

  /**
   * Ends this process and all its descendants by PID: SIGTERM first, SIGKILL for whatever is still
   * alive after a short grace period. Idempotent.
   */
  public void stop() {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    // Poll instead of onExit(): for non-children the JDK polls at >= 300 ms intervals.
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    while (tree.stream().anyMatch(ExternalProcess::isRunning) && System.nanoTime() < deadline) {
      pause(10);
    }
    tree.stream().filter(ExternalProcess::isRunning).forEach(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    watchdog.interrupt();
    LIVE.remove(this);
  }

  @Override
  public void close() {
    stop();
  }

  private Result collect() {
    stdout.join(DRAIN_GRACE);
    stderr.join(DRAIN_GRACE);
    return new Result(process.exitValue(), stdout(), stderr());
  }

  private void enforce(Duration deadline) {
    try {
      if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
        stop();
      }
    } catch (InterruptedException stoppedOrDone) {
      // stop() interrupts the watchdog; nothing left to do.
    }
  }

  /**
   * Whether {@code handle} is alive and not a zombie. A descendant orphaned by {@link #stop()} is
   * reaped by PID 1, which may take seconds (in containers it need not be an init that reaps
   * promptly); {@link ProcessHandle#isAlive()} reports such a zombie as alive.
   */
  public static boolean isRunning(ProcessHandle handle) {
    if (!handle.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
      // proc(5): "pid (comm) state ...", and comm may itself contain ')'.
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException | RuntimeException noProcfs) {
      return handle.isAlive();
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void feed(OutputStream in, byte[] bytes) {
    try (in) {
      in.write(bytes);
    } catch (IOException processGoneOrNotReading) {
      // The child exited or closed stdin; its output tells the test what happened.
    }
  }

  private static String describe(String out, String err) {
    return "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }

  /** Drains one stream into memory and lets waiters observe it as it grows. */
  private static final class Capture {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Thread reader;

    Capture(InputStream from, String name) {
      reader = daemon(name, () -> drain(from));
      reader.start();
    }

    private void drain(InputStream from) {
      byte[] chunk = new byte[8192];
      try (from) {
        for (int n; (n = from.read(chunk)) >= 0; ) {
          synchronized (this) {
            bytes.write(chunk, 0, n);
            notifyAll();
          }
        }
      } catch (IOException closed) {
        // Pipe closed because the process was destroyed.
      }
      synchronized (this) {
        notifyAll();
      }
    }

    synchronized String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }

    synchronized boolean await(Predicate<String> condition, Process process, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        while (!condition.test(text())) {
          long left = deadline - System.nanoTime();
          if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
            return false;
          }
          // Bounded wait: the process may exit without more output.
          TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    void join(Duration timeout) {
      try {
        reader.join(timeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
