package dev.l4mux.sniff.proxy;

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
 * A PROXY header captured from a real sender with what followed it, from {@code
 * src/test/resources/proxy-fixtures/<name>.hex} ('#' lines give the provenance, the rest is hex).
 */
record ProxyFixture(String name, String producedBy, byte[] bytes) {

  static List<ProxyFixture> all() {
    Path root = root();
    try (Stream<Path> files = Files.list(root)) {
      return files.filter(p -> p.toString().endsWith(".hex")).sorted().map(ProxyFixture::load).collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ProxyFixture named(String name) {
    return load(root().resolve(name + ".hex"));
  }

  private static Path root() {
    try {
      return Path.of(ProxyFixture.class.getResource("/proxy-fixtures").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ProxyFixture load(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      String first = lines.get(0);
      if (!first.startsWith("# produced by: ")) {
        throw new IllegalStateException(file + ": first line must say what produced it");
      }
      String hex = lines.stream().filter(l -> !l.startsWith("#")).collect(Collectors.joining()).replaceAll("\\s", "");
      String name = file.getFileName().toString().replace(".hex", "");
      return new ProxyFixture(name, first.substring("# produced by: ".length()), HexFormat.of().parseHex(hex));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
