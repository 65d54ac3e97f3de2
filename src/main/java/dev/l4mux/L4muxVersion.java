package dev.l4mux;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * l4mux's own version, the Maven project's ({@code dev/l4mux/version.properties}, filtered by the
 * build): printed by {@code --version}, reported by {@code /health} and {@code /api/cluster}.
 */
public final class L4muxVersion {

  private static final String VERSION = load();

  private L4muxVersion() {}

  /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
  public static String current() {
    return VERSION;
  }

  /** The {@code --version} line: l4mux's version and the runtime it runs on. */
  public static String describe() {
    io.netty.util.Version netty = io.netty.util.Version.identify().get("netty-common");
    return "l4mux " + VERSION + " (Vert.x " + resource("META-INF/vertx/vertx-version.txt")
        + ", Netty " + (netty == null ? "?" : netty.artifactVersion())
        + ", Java " + System.getProperty("java.runtime.version") + ")";
  }

  private static String resource(String name) {
    try (InputStream in = L4muxVersion.class.getClassLoader().getResourceAsStream(name)) {
      return in == null ? "?" : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  private static String load() {
    try (InputStream in = L4muxVersion.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        throw new IllegalStateException("dev/l4mux/version.properties is missing from the build");
      }
      Properties properties = new Properties();
      properties.load(in);
      String version = properties.getProperty("version", "");
      if (version.isBlank() || version.startsWith("${")) {
        throw new IllegalStateException("dev/l4mux/version.properties was not filtered by the build: " + version);
      }
      return version;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
