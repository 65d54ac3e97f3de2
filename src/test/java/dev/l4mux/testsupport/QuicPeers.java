package dev.l4mux.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Real QUIC peers from Debian's ngtcp2 packages: {@code gtlsserver} (ngtcp2-server) serving a
 * directory over HTTP/3 on 127.0.0.1, and {@code gtlsclient} (ngtcp2-client) fetching from it.
 * The client sends its HOST argument as the TLS server name, so it runs with a private /etc/hosts
 * naming the test hosts on 127.0.0.1 (datagrams/with-loopback-hosts.sh, a mount namespace).
 */
public final class QuicPeers {

  private QuicPeers() {}

  /** A started gtlsserver and the port it serves on. */
  public record Server(ExternalProcess process, int port) implements AutoCloseable {
    @Override
    public void close() {
      process.close();
    }
  }

  /** Starts gtlsserver for {@code name}, serving {@code body} as /index.html. */
  public static Server server(String name, String body) {
    try {
      Path root = TempDirs.create("gtlsserver-" + name);
      Files.writeString(root.resolve("index.html"), body);
      TestCerts.CertAndKey cert = TestCerts.leaf(name);
      for (int attempt = 0; attempt < 5; attempt++) {
        int port = freeUdpPort();
        ExternalProcess process = ExternalProcess.start(List.of(
            "gtlsserver", "-q", "-d", root.toString(), "127.0.0.1", String.valueOf(port),
            cert.keyPem().toString(), cert.certPem().toString()));
        if (awaitUdpBound(port, process, Duration.ofSeconds(10))) {
          return new Server(process, port);
        }
        process.close();
      }
      throw new IllegalStateException("gtlsserver did not start for " + name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs gtlsclient against {@code name}:{@code port} (resolved to 127.0.0.1), downloads
   * /index.html into a fresh directory and returns what it got (null when nothing was saved).
   */
  public static String fetch(String name, int port, List<String> options) {
    try {
      Path download = TempDirs.create("gtlsclient");
      List<String> command = new ArrayList<>(List.of("sh", script("with-loopback-hosts.sh"),
          "gtlsclient", "-q", "--exit-on-all-streams-close", "--download=" + download));
      command.addAll(options);
      command.addAll(List.of(name, String.valueOf(port), "https://" + name + "/index.html"));
      ExternalProcess.Result result = ExternalProcess.run(command, new byte[0], Duration.ofSeconds(30));
      Path saved = download.resolve("index.html");
      if (!Files.exists(saved)) {
        throw new IllegalStateException("gtlsclient saved nothing (exit " + result.exitCode() + "): " + result.stderr() + result.stdout());
      }
      return Files.readString(saved);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String script(String name) {
    try {
      return Path.of(QuicPeers.class.getResource("/datagrams/" + name).toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int freeUdpPort() throws IOException {
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      return socket.getLocalPort();
    }
  }

  /** Polls /proc/net/udp until a socket is bound to 127.0.0.1:{@code port}. */
  private static boolean awaitUdpBound(int port, ExternalProcess process, Duration limit) throws IOException {
    String needle = String.format("0100007F:%04X", port);
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      if (Files.readString(Path.of("/proc/net/udp")).contains(needle)) {
        return true;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }
}
