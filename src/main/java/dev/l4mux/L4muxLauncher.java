package dev.l4mux;

import dev.l4mux.config.ConfigError;
import dev.l4mux.config.ConfigException;
import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.observe.LogFiles;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * l4mux's launcher: the Vert.x 5 application launcher (all its options: {@code -cluster},
 * {@code --help}, ...) plus what the stock one lacks (CONTRACT section 2):
 *
 * <ul>
 *   <li>{@code -conf FILE} accepts a YAML file (the stock launcher reads JSON only); the file is
 *       then watched for changes. Inline JSON still works.
 *   <li>without {@code -conf}: {@code L4MUX_CONFIG}, else {@code conf/l4mux.yaml}.
 *   <li>{@code validate FILE}: checks a configuration, exit 0 when valid, else 1 with one
 *       {@code path: message} line per error.
 *   <li>{@code train [SECONDS]}: a training run for the JVM's ahead-of-time caches ({@link Training}).
 *   <li>{@code --version}: prints l4mux's version (the Maven project's) and exits 0.
 *   <li>{@code --log-dir DIR} (or {@code L4MUX_LOG_DIR}): access log and node log in rotated files
 *       ({@link LogFiles}).
 * </ul>
 */
public final class L4muxLauncher extends VertxApplication {

  private L4muxLauncher(String[] args) {
    super(args, new Hooks(), true, true);
  }

  public static void main(String[] args) {
    DirectMemory.useBuffersWithoutCleaner();
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
    }
    if (args.length > 0 && args[0].equals("validate")) {
      System.exit(validate(args, System.out, System.err));
    }
    if (args.length > 0 && args[0].equals("train")) {
      System.exit(Training.run(args, System.out, System.err));
    }
    if (List.of(args).contains("--version") || List.of(args).contains("-version")) {
      System.out.println(L4muxVersion.describe());
      System.exit(0);
    }
    if (List.of(args).contains("--help") || List.of(args).contains("-h") || List.of(args).contains("-help")) {
      System.out.println(HELP_PREAMBLE);
    }
    String[] rewritten;
    try {
      args = useLogDir(args);
      rewritten = rewriteConfArgument(args);
      checkConfigFile(rewritten);
      NetworkTransport.choose(NetworkTransport.requested()); // an impossible choice stops the start here
      if (List.of(args).contains("-cluster") || List.of(args).contains("--cluster") || List.of(args).contains("-c")) {
        useClusterConfig();
      }
    } catch (IllegalArgumentException e) {
      System.err.println("l4mux: " + e.getMessage());
      System.exit(1);
      return;
    } catch (ConfigException e) {
      System.err.println("l4mux: invalid configuration (" + e.errors().size() + " errors):");
      e.errors().forEach(error -> System.err.println(error.path() + ": " + error.message()));
      System.exit(1);
      return;
    }
    int code = new L4muxLauncher(rewritten).launch();
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * Takes {@code --log-dir DIR} (or {@code --log-dir=DIR}) out of the arguments (the Vert.x
   * launcher does not know it) and, with it or {@code L4MUX_LOG_DIR}, sends the logs to files.
   */
  static String[] useLogDir(String[] args) {
    List<String> rest = new ArrayList<>();
    String dir = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--log-dir") || args[i].equals("-log-dir")) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + ": a directory is required");
        }
        dir = args[++i];
      } else if (args[i].startsWith("--log-dir=")) {
        dir = args[i].substring("--log-dir=".length());
      } else {
        rest.add(args[i]);
      }
    }
    LogFiles.Settings settings = LogFiles.Settings.from(dir, System.getenv());
    if (settings != null) {
      LogFiles.install(settings);
    }
    return rest.toArray(String[]::new);
  }

  private static final String HELP_PREAMBLE = """
      l4mux: a layer-4 (TCP) reverse proxy and protocol multiplexer.

        java -jar l4mux.jar                      start with conf/l4mux.yaml (or $L4MUX_CONFIG)
        java -jar l4mux.jar -conf FILE.yaml      start with FILE (YAML or JSON; watched for changes)
        java -jar l4mux.jar validate FILE.yaml   check FILE: exit 0 when valid, else 1 with 'path: message' lines
        java -jar l4mux.jar train [SECONDS]      drive test traffic through a loopback node, then exit: a
                                                 training run for -XX:AOTCacheOutput (JDK 25) or
                                                 -XX:ArchiveClassesAtExit (JDK 17), see README
        java -jar l4mux.jar -cluster             join the cluster configured in cluster/
        java -jar l4mux.jar --log-dir DIR        access log in DIR/access.log, node log in DIR/l4mux.log (rotated)
        java -jar l4mux.jar --version            print the version and exit

      Environment: L4MUX_CONFIG, L4MUX_NODE_NAME, L4MUX_ADMIN_LISTEN, L4MUX_ADMIN_TOKEN, L4MUX_LOG_DIR,
      L4MUX_LOG_MAX_SIZE, L4MUX_LOG_FILES, L4MUX_LOG_ROTATE (size|daily), L4MUX_CLUSTER_CONFIG, L4MUX_CLUSTER_MEMBERS,
      L4MUX_TRANSPORT.
      SIGTERM/SIGINT drain and exit 0.
      The Vert.x launcher's own options follow (the main verticle is preset).
      """;

  /**
   * Points vertx-hazelcast at {@code $L4MUX_CLUSTER_CONFIG} or {@code cluster/cluster.xml} in the
   * working directory; without either it finds the same loopback default inside the jar (as
   * {@code cluster.xml} on the classpath), never vertx-hazelcast's multicast default.
   */
  private static void useClusterConfig() {
    String members = System.getenv("L4MUX_CLUSTER_MEMBERS");
    if (members != null && !members.isBlank() && System.getProperty(MEMBERS_PROPERTY) == null) {
      // cluster/cluster-lan.xml reads its member list as ${l4mux.cluster.members}: Hazelcast
      // replaces variables from system properties, not from the environment.
      System.setProperty(MEMBERS_PROPERTY, members.trim());
    }
    if (System.getProperty(HAZELCAST_CONFIG_PROPERTY) != null) {
      return;
    }
    String env = System.getenv("L4MUX_CLUSTER_CONFIG");
    Path file = Path.of(env != null && !env.isBlank() ? env : "cluster/cluster.xml");
    if (Files.isRegularFile(file)) {
      requireMembersWhereUsed(file);
      System.setProperty(HAZELCAST_CONFIG_PROPERTY, file.toAbsolutePath().toString());
    } else if (env != null && !env.isBlank()) {
      throw new IllegalArgumentException("L4MUX_CLUSTER_CONFIG: " + file.toAbsolutePath() + " does not exist");
    }
  }

  private static final String HAZELCAST_CONFIG_PROPERTY = "vertx.hazelcast.config";
  private static final String MEMBERS_PROPERTY = "l4mux.cluster.members";

  /** A file that names ${l4mux.cluster.members} without L4MUX_CLUSTER_MEMBERS would join nobody. */
  private static void requireMembersWhereUsed(Path file) {
    try {
      if (Files.readString(file).contains("${" + MEMBERS_PROPERTY + "}") && System.getProperty(MEMBERS_PROPERTY) == null) {
        throw new IllegalArgumentException("L4MUX_CLUSTER_MEMBERS: not set, but " + file
            + " takes its member list from it (e.g. L4MUX_CLUSTER_MEMBERS=10.0.0.1,10.0.0.2:5701)");
      }
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("L4MUX_CLUSTER_CONFIG: cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Fails fast, before Vert.x starts, when the configuration given by {@code -conf} is invalid. */
  private static void checkConfigFile(String[] args) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("-conf") && args[i + 1].startsWith("{")) {
        JsonObject given = new JsonObject(args[i + 1]);
        String path = given.getString(ConfigSource.CONFIG_PATH_KEY);
        if (path != null) {
          ConfigParser.parse(ConfigFiles.read(Path.of(path)));
        } else if (given.getJsonObject(ConfigSource.INLINE_KEY) != null) {
          ConfigParser.parse(given.getJsonObject(ConfigSource.INLINE_KEY));
        }
      }
    }
  }

  /** {@code validate FILE}: prints one line per error; returns the process exit code. */
  static int validate(String[] args, PrintStream out, PrintStream err) {
    if (args.length != 2) {
      err.println("usage: java -jar l4mux.jar validate FILE.yaml");
      return 2;
    }
    try {
      dev.l4mux.tls.CertificateStore.check(ConfigParser.parse(ConfigFiles.read(Path.of(args[1]))));
      out.println(args[1] + ": valid");
      return 0;
    } catch (ConfigException e) {
      for (ConfigError error : e.errors()) {
        out.println(error.path() + ": " + error.message());
      }
      return 1;
    }
  }

  /**
   * Replaces {@code -conf FILE} (any spelling) by inline JSON naming the file, so YAML works and the
   * file can be watched; adds the default file when no {@code -conf} is given.
   */
  static String[] rewriteConfArgument(String[] args) {
    List<String> out = new ArrayList<>();
    boolean seen = false;
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      help |= arg.equals("--help") || arg.equals("-h");
      String value = null;
      if ((arg.equals("-conf") || arg.equals("--conf")) && i + 1 < args.length) {
        value = args[++i];
      } else if (arg.startsWith("-conf=") || arg.startsWith("--conf=")) {
        value = arg.substring(arg.indexOf('=') + 1);
      }
      if (value == null) {
        out.add(arg);
        continue;
      }
      seen = true;
      out.add("-conf");
      out.add(value.trim().startsWith("{") ? inline(value) : pointerTo(Path.of(value)));
    }
    if (!seen && !help) {
      out.add("-conf");
      out.add(pointerTo(ConfigSource.defaultFile()));
    }
    return out.toArray(String[]::new);
  }

  /** Wraps inline JSON so that even an empty {@code {}} is told apart from "no -conf given". */
  private static String inline(String json) {
    try {
      return new JsonObject().put(ConfigSource.INLINE_KEY, new JsonObject(json)).encode();
    } catch (io.vertx.core.json.DecodeException e) {
      throw new IllegalArgumentException("-conf: invalid inline JSON: " + e.getMessage());
    }
  }

  private static String pointerTo(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("configuration file " + file.toAbsolutePath() + " does not exist");
    }
    return new JsonObject().put(ConfigSource.CONFIG_PATH_KEY, file.toAbsolutePath().toString()).encode();
  }

  /** Vert.x options every node starts with. */
  public static VertxOptions configure(VertxOptions options) {
    if (options.getEventLoopPoolSize() == VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE
        && System.getProperty("vertx.options.eventLoopPoolSize") == null) {
      // A proxy's event loops never block: one per core (Vert.x defaults to two), unless the
      // operator chose otherwise (-options or -Dvertx.options.eventLoopPoolSize=N).
      options.setEventLoopPoolSize(Runtime.getRuntime().availableProcessors());
    }
    MetricsOptions metrics = options.getMetricsOptions();
    if (options.getEventBusOptions().getHost() == null) {
      // The clustered event bus listens on loopback unless told otherwise (cluster/README.md).
      String host = System.getenv("L4MUX_CLUSTER_HOST");
      options.getEventBusOptions().setHost(host != null && !host.isBlank() ? host : "127.0.0.1");
    }
    if (metrics == null || !metrics.isEnabled()) {
      // l4mux meters its own data plane; Vert.x's per-socket metrics would tax every read.
      options.setMetricsOptions(new MicrometerMetricsOptions()
          .setEnabled(true)
          .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
          .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
          .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
          .addDisabledMetricsCategory(MetricsDomain.DATAGRAM_SOCKET)
          // Vert.x 5.0.10 registers some event-bus and HTTP-server gauges twice and warns at start.
          .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
          .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER)
          .setJvmMetricsEnabled(true));
    }
    return options;
  }

  private static final class Hooks implements VertxApplicationHooks {
    private volatile boolean deployed;

    @Override
    public void afterVerticleDeployed(HookContext context) {
      deployed = true;
    }

    @Override
    public void beforeStartingVertx(HookContext context) {
      configure(context.vertxOptions());
    }

    @Override
    public io.vertx.core.VertxBuilder createVertxBuilder(VertxOptions options) {
      return NetworkTransport.vertxBuilder(options);
    }

    /**
     * Vert.x is stopped from a JVM shutdown hook on SIGTERM/SIGINT, after the drain; the JVM would
     * then exit with 128+signal. A completed drain is a clean stop (CONTRACT section 2): exit 0.
     */
    @Override
    public void afterVertxStopped(HookContext context) {
      if (!deployed) {
        return; // a failed start: the launcher exits with its failure code
      }
      System.out.flush();
      System.err.flush();
      Runtime.getRuntime().halt(0);
    }
  }
}
