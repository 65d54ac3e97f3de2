package dev.l4mux.sniff;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A client's first datagrams from {@code src/test/resources/datagrams/<protocol>/<name>.hex}: the
 * first line says which client and command produced them (datagrams/capture.sh) or which RFC
 * section they come from; each datagram follows a '# datagram' line as hex.
 *
 * @param name "protocol/file" without the extension, e.g. "quic/ngtcp2-v1-sni-h3"
 */
public record DatagramFixture(String name, String producedBy, List<byte[]> datagrams) {

  static final String PRODUCED_BY = "# produced by: ";
  private static final String DATAGRAM = "# datagram";

  public String protocol() {
    return name.substring(0, name.indexOf('/'));
  }

  /** Fresh buffers of the first {@code count} datagrams. */
  public List<Buffer> buffers(int count) {
    return datagrams.subList(0, count).stream().map(d -> Buffer.buffer(d.clone())).toList();
  }

  public List<Buffer> buffers() {
    return buffers(datagrams.size());
  }

  @Override
  public String toString() {
    return name;
  }

  public static List<DatagramFixture> all() {
    Path root = root();
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(p -> p.toString().endsWith(".hex"))
          .sorted()
          .map(p -> load(root, p))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static DatagramFixture named(String name) {
    return load(root(), root().resolve(name + ".hex"));
  }

  private static Path root() {
    try {
      return Path.of(DatagramFixture.class.getResource("/datagrams").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static DatagramFixture load(Path root, Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      if (!lines.get(0).startsWith(PRODUCED_BY)) {
        throw new IllegalStateException(file + ": first line must be '" + PRODUCED_BY + "...'");
      }
      List<byte[]> datagrams = new ArrayList<>();
      StringBuilder hex = null;
      for (String line : lines) {
        if (line.equals(DATAGRAM)) {
          if (hex != null) {
            datagrams.add(HexFormat.of().parseHex(hex));
          }
          hex = new StringBuilder();
        } else if (!line.startsWith("#") && hex != null) {
          hex.append(line.strip());
        }
      }
      if (hex != null) {
        datagrams.add(HexFormat.of().parseHex(hex));
      }
      String name = root.relativize(file).toString().replace('\\', '/').replace(".hex", "");
      return new DatagramFixture(
          name, lines.get(0).substring(PRODUCED_BY.length()), List.copyOf(datagrams));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
