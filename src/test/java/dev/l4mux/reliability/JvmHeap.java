package dev.l4mux.reliability;

import dev.l4mux.testsupport.ExternalProcess;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Heap of another JVM (the jar under test), through {@code jcmd}: no JMX port needed. */
final class JvmHeap {

  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  private JvmHeap() {}

  /** Runs a full GC in {@code pid}, then reads the used heap from {@code GC.heap_info}. */
  static long usedAfterGc(long pid) {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher m = USED.matcher(info);
    if (!m.find()) {
      throw new IllegalStateException("no 'used' in jcmd GC.heap_info:\n" + info);
    }
    return Long.parseLong(m.group(1)) * 1024;
  }

  /** The live-object class histogram of {@code pid} (biggest first), for failure messages. */
  static String histogram(long pid) {
    return jcmd(pid, "GC.class_histogram");
  }

  private static String jcmd() {
    java.nio.file.Path inJdk = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd");
    return java.nio.file.Files.isExecutable(inJdk) ? inJdk.toString() : "jcmd";
  }

  private static String jcmd(long pid, String command) {
    ExternalProcess.Result r = ExternalProcess.run(List.of(jcmd(), Long.toString(pid), command), new byte[0], Duration.ofSeconds(30));
    if (r.exitCode() != 0) {
      throw new IllegalStateException("jcmd " + pid + " " + command + " failed:\n" + r.stdout() + r.stderr());
    }
    return r.stdout();
  }
}
