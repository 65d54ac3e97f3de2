package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.l4mux.testsupport.ExternalProcess;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark scripts still work: {@code bench/run.sh --smoke} starts every backend and proxy
 * (nginx backends, iperf3 server, connection holder, HAProxy, nginx stream, l4mux), sends one
 * exchange of each kind through each, and stops everything it started, by PID. Skipped when the
 * benchmark tools are not installed (Debian: {@code haproxy nginx libnginx-mod-stream iperf3 wrk}).
 *
 * <p>Failsafe passes {@code l4mux.jar} (the jar) and {@code l4mux.projectDir}.
 */
class BenchScriptsIT {

  private static final List<String> TOOLS = List.of("haproxy", "nginx", "wrk", "iperf3");
  private static final List<String> EXPECTED =
      List.of("nginx-backend", "iperf3-server", "hold-backend", "haproxy", "nginx-stream", "l4mux");
  private static final Pattern STARTED =
      Pattern.compile("^bench: started pid (\\d+) \\((.+)\\)$", Pattern.MULTILINE);

  @Test
  void smokeRunStartsEveryProxyAndLeavesNoProcessBehind(@TempDir Path runDir) {
    List<String> missing = TOOLS.stream().filter(tool -> !onPath(tool)).collect(Collectors.toList());
    assumeTrue(missing.isEmpty(), () -> "benchmark tools not installed: " + missing);
    Path projectDir = Path.of(System.getProperty("l4mux.projectDir", "."));
    Path jar = Path.of(System.getProperty("l4mux.jar", "target/l4mux.jar"));
    assertTrue(Files.isRegularFile(jar), () -> "no jar at " + jar);

    ExternalProcess.Result result =
        ExternalProcess.run(
            List.of(
                "env",
                "L4MUX_JAR=" + jar.toAbsolutePath(),
                "BENCH_RUN_DIR=" + runDir,
                "bash",
                projectDir.resolve("bench/run.sh").toString(),
                "--smoke"),
            new byte[0],
            Duration.ofSeconds(90));

    String output = result.stdout() + "\n" + result.stderr();
    Map<Long, String> started = new LinkedHashMap<>();
    Matcher m = STARTED.matcher(result.stdout());
    while (m.find()) {
      started.put(Long.parseLong(m.group(1)), m.group(2));
    }
    List<String> left = new ArrayList<>();
    started.forEach(
        (pid, name) -> {
          if (ProcessHandle.of(pid).map(ExternalProcess::isRunning).orElse(false)) {
            left.add(pid + " (" + name + ")");
          }
        });
    assertAll(
        () -> assertEquals(0, result.exitCode(), () -> "bench/run.sh --smoke failed:\n" + output),
        () -> assertTrue(result.stdout().contains("bench: smoke ok"), () -> output),
        () ->
            assertTrue(
                started.values().containsAll(EXPECTED),
                () -> "expected " + EXPECTED + " to be started, got " + started),
        () -> assertEquals(List.of(), left, () -> "processes left running:\n" + output));
  }

  private static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
  }
}
