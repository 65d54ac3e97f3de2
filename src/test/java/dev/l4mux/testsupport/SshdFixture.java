package dev.l4mux.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real OpenSSH server ({@code /usr/sbin/sshd -D -e}) on a free 127.0.0.1 port with freshly
 * generated ed25519 host and client keys; only public-key login with the client key is allowed,
 * for the current user (root included, via {@code PermitRootLogin prohibit-password}).
 *
 * <p>sshd needs absolute paths and its privilege-separation directory {@code /run/sshd}, which is
 * created if missing. {@link #start()} returns once the port accepts TCP; it retries with another
 * port if sshd cannot bind the one picked. {@link #log()} has sshd's {@code LogLevel VERBOSE}
 * output, handy in assertion messages.
 *
 * <pre>{@code
 * try (SshdFixture sshd = SshdFixture.start()) {
 *   // through the proxy: the proxy's port, routed to sshd.port()
 *   var r = ExternalProcess.run(sshd.sshCommand(proxyPort, "echo hello"), new byte[0], Duration.ofSeconds(20));
 *   assertEquals("hello\n", r.stdout(), sshd.log());
 * }
 * }</pre>
 */
public final class SshdFixture implements AutoCloseable {
  /** Location of the Debian OpenSSH server. */
  public static final String SSHD = "/usr/sbin/sshd";

  private static final Path PRIVSEP_DIR = Path.of("/run/sshd");
  private static final Duration STARTUP = Duration.ofSeconds(10);
  private static final int ATTEMPTS = 5;

  private final Path dir;
  private final Path clientKey;
  private final int port;
  private final ExternalProcess process;

  private SshdFixture(Path dir, Path clientKey, int port, ExternalProcess process) {
    this.dir = dir;
    this.clientKey = clientKey;
    this.port = port;
    this.process = process;
  }

  /** Generates keys and config in a temp dir and starts sshd. */
  public static SshdFixture start() {
    Path dir = TempDirs.create("l4mux-sshd");
    Path hostKey = dir.resolve("host_ed25519");
    Path clientKey = dir.resolve("client_ed25519");
    Path authorizedKeys = dir.resolve("authorized_keys");
    keygen(hostKey);
    keygen(clientKey);
    try {
      Files.createDirectories(PRIVSEP_DIR);
      Files.copy(Path.of(clientKey + ".pub"), authorizedKeys);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String failures = "";
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port = Ports.freePort();
      Path config = dir.resolve("sshd_config");
      write(config, config(port, hostKey, authorizedKeys));
      ExternalProcess sshd =
          ExternalProcess.start(
              List.of(SSHD, "-D", "-e", "-f", config.toString()), new byte[0], Duration.ofHours(1));
      if (awaitPort(sshd, port)) {
        return new SshdFixture(dir, clientKey, port, sshd);
      }
      failures += "\n--- attempt on port " + port + " ---\n" + sshd.stopAndCollect().stderr();
    }
    TempDirs.delete(dir);
    throw new IllegalStateException("sshd did not start:" + failures);
  }

  public int port() {
    return port;
  }

  /** The client private key accepted by this server. */
  public Path clientKey() {
    return clientKey;
  }

  /**
   * The argv of a non-interactive {@code ssh} login as the current user to 127.0.0.1:{@code port}
   * (this sshd's port, or a proxy's that routes to it) running {@code remoteCommand}. Host keys
   * are neither checked nor recorded; {@code -F /dev/null} ignores the user's ssh config.
   */
  public List<String> sshCommand(int port, String remoteCommand) {
    return List.of(
        "ssh", "-F", "/dev/null", "-i", clientKey.toString(), "-p", Integer.toString(port),
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10",
        System.getProperty("user.name") + "@127.0.0.1", remoteCommand);
  }

  /** {@link #sshCommand(int, String)} straight to this sshd. */
  public List<String> sshCommand(String remoteCommand) {
    return sshCommand(port, remoteCommand);
  }

  /** sshd's log so far. */
  public String log() {
    return process.stderr();
  }

  /** Stops sshd and its per-connection children, and deletes the keys. */
  @Override
  public void close() {
    process.stop();
    TempDirs.delete(dir);
  }

  private static String config(int port, Path hostKey, Path authorizedKeys) {
    return String.join(
        "\n",
        "Port " + port,
        "ListenAddress 127.0.0.1",
        "HostKey " + hostKey,
        "AuthorizedKeysFile " + authorizedKeys,
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "StrictModes no",
        "UsePAM no",
        "PidFile none",
        "LogLevel VERBOSE",
        "");
  }

  /**
   * Waits for sshd's own "listening" log line (so a stranger that grabbed the port in between is
   * not mistaken for sshd), then for the port to accept; false if sshd exits first, typically
   * because the bind failed.
   */
  private static boolean awaitPort(ExternalProcess sshd, int port) {
    String listening = "Server listening on 127.0.0.1 port " + port + ".";
    return sshd.awaitStderr(log -> log.contains(listening), STARTUP) && Ports.isListening(port);
  }

  private static void keygen(Path key) {
    List<String> cmd = List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "l4mux-test", "-f", key.toString());
    ExternalProcess.Result r = ExternalProcess.run(cmd, new byte[0], Duration.ofSeconds(30));
    if (r.exitCode() != 0) {
      throw new IllegalStateException("ssh-keygen failed: " + r.stderr());
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
