package dev.l4mux.sniff;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A captured client first flight from {@code src/test/resources/fixtures/<protocol>/<name>.hex}:
 * '#' lines say which client and command produced it (see fixtures/capture.sh), the rest is hex.
 *
 * @param name "protocol/file" without the extension, e.g. "tls/curl-https"
 * @param producedBy the command from the "# produced by:" line
 */
record Fixture(String name, String producedBy, byte[] bytes) {

  static final String PRODUCED_BY = "# produced by: ";

  /** The protocol directory the fixture lives in ("tls", "http", "ssh"). */
  String protocol() {
    return name.substring(0, name.indexOf('/'));
  }

  Buffer buffer() {
    return Buffer.buffer(bytes.clone());
  }

  Buffer prefix(int length) {
    return Buffer.buffer(bytes).getBuffer(0, length);
  }

  @Override
  public String toString() {
    return name;
  }

  static List<Fixture> all() {
    Path root = root();
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".hex"))
          .sorted()
          .map(p -> load(root, p))
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Fixture named(String name) {
    return load(root(), root().resolve(name + ".hex"));
  }

  private static Path root() {
    try {
      return Path.of(Fixture.class.getResource("/fixtures").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Fixture load(Path root, Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      if (!lines.get(0).startsWith(PRODUCED_BY)) {
        throw new IllegalStateException(file + ": first line must be '" + PRODUCED_BY + "...'");
      }
      String hex =
          lines.stream()
              .filter(line -> !line.startsWith("#"))
              .collect(Collectors.joining())
              .replaceAll("\\s", "");
      String name = root.relativize(file).toString().replace('\\', '/').replace(".hex", "");
      String producedBy = lines.get(0).substring(PRODUCED_BY.length());
      return new Fixture(name, producedBy, HexFormat.of().parseHex(hex));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
