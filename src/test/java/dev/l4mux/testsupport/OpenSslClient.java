package dev.l4mux.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real TLS client, {@code openssl s_client}, aimed at 127.0.0.1:PORT with a chosen SNI and ALPN
 * offer. Server names are verified against {@link TestCerts#ca()} ({@code -CAfile},
 * {@code -verify_hostname}); a failed verification is reported, never fatal.
 *
 * <p>What OpenSSL 3.0 prints (observed with 3.0.x on Debian 12), all on stderr, exit code 1:
 *
 * <ul>
 *   <li>fatal alert from the server, e.g. {@code unrecognized_name(112)}: {@code
 *       ...:error:0A000458:SSL routines:ssl3_read_bytes:tlsv1 unrecognized name:...:SSL alert
 *       number 112}; for {@code no_application_protocol(120)}: {@code ...tlsv1 alert no
 *       application protocol...:SSL alert number 120}; {@code handshake_failure(40)}: {@code
 *       sslv3 alert handshake failure ... SSL alert number 40}. {@link #alertIn} parses the
 *       number.
 *   <li>server closed (FIN) before answering: {@code ...:ssl3_read_n:unexpected eof while
 *       reading:...} (no alert).
 *   <li>server reset, or closed with unread ClientHello bytes (the kernel then sends RST): {@code
 *       write:errno=104}.
 *   <li>nothing listening: {@code connect:errno=111} after two {@code BIO_connect} error lines.
 * </ul>
 *
 * With {@code -quiet} (used by {@link #exchange}) stdout carries only application data; without
 * it (used by {@link #handshake}) stdout holds the session summary, where a failed handshake
 * shows {@code New, (NONE), Cipher is (NONE)} and a good one e.g. {@code New, TLSv1.3, Cipher is
 * TLS_AES_256_GCM_SHA384} and {@code ALPN protocol: h2} (or {@code No ALPN negotiated}).
 */
public final class OpenSslClient {

  /** A TLS alert received from the server: RFC 8446 section 6 number and OpenSSL's wording. */
  public record TlsAlert(int number, String description) {}

  /**
   * Outcome of a bare handshake.
   *
   * @param protocol negotiated version such as {@code TLSv1.3}; empty if the handshake failed
   * @param alpn the protocol the server selected, if any
   * @param verified whether the chain verified against {@link TestCerts#ca()} and the name matched
   * @param peerSubject the server certificate subject as printed, e.g. {@code CN = a.test}
   */
  public record Handshake(
      ExternalProcess.Result result,
      Optional<String> protocol,
      Optional<String> alpn,
      Optional<TlsAlert> alert,
      boolean verified,
      Optional<String> peerSubject) {

    public boolean completed() {
      return protocol.isPresent();
    }
  }

  private static final Pattern ALERT =
      // "...:ssl3_read_bytes:tlsv1 unrecognized name:../ssl/record/rec_layer_s3.c:1602:SSL alert number 112"
      Pattern.compile(":([^:\\n]+):[^:\\n]*:\\d+:SSL alert number (\\d+)");
  private static final Pattern NEW = Pattern.compile("^New, (\\S+), Cipher is (\\S+)$", Pattern.MULTILINE);
  private static final Pattern ALPN = Pattern.compile("^ALPN protocol: (\\S+)$", Pattern.MULTILINE);
  private static final Pattern SUBJECT = Pattern.compile("^subject=(.*)$", Pattern.MULTILINE);

  private OpenSslClient() {}

  /**
   * Connects with {@code -quiet} (implies {@code -ign_eof}), sends {@code input}, and waits until
   * stdout contains {@code expect}, the connection ends, or {@code timeout} passes; the client is
   * then stopped. Stdout holds exactly what the server sent (e.g. a {@link TaggedBackends#tls}
   * greeting {@code "tag\n"} followed by the echoed input); a client still running when stopped
   * reports exit code 143.
   *
   * @param serverName SNI to send, or null for none ({@code -noservername})
   * @param alpn protocols to offer, empty for no ALPN extension
   */
  public static ExternalProcess.Result exchange(
      int port, String serverName, List<String> alpn, String input, String expect, Duration timeout) {
    List<String> cmd = command(port, serverName, alpn);
    cmd.add("-quiet");
    try (ExternalProcess p = ExternalProcess.start(cmd, input.getBytes(StandardCharsets.UTF_8), timeout.plusSeconds(5))) {
      p.awaitStdout(out -> out.contains(expect), timeout);
      return p.stopAndCollect();
    }
  }

  /**
   * {@link #exchange} with one TLS version ({@code -tls1_2} or {@code -tls1_3}) and, when {@code
   * clientCert} is not null, that client certificate (mTLS).
   */
  public static ExternalProcess.Result exchangeAs(int port, String serverName, List<String> alpn, String version,
      TestCerts.CertAndKey clientCert, String input, String expect, Duration timeout) {
    List<String> cmd = command(port, serverName, alpn);
    cmd.addAll(List.of("-quiet", version));
    if (clientCert != null) {
      cmd.addAll(List.of("-cert", clientCert.certPem().toString(), "-key", clientCert.keyPem().toString()));
    }
    try (ExternalProcess p = ExternalProcess.start(cmd, input.getBytes(StandardCharsets.UTF_8), timeout.plusSeconds(5))) {
      p.awaitStdout(out -> out.contains(expect), timeout);
      return p.stopAndCollect();
    }
  }

  /** {@link #exchange} without ALPN. */
  public static ExternalProcess.Result exchange(
      int port, String serverName, String input, String expect, Duration timeout) {
    return exchange(port, serverName, List.of(), input, expect, timeout);
  }

  /**
   * Performs only the handshake (stdin is empty, so s_client says goodbye right after it) and
   * reports the session summary or the alert that ended it.
   */
  public static Handshake handshake(int port, String serverName, List<String> alpn, Duration timeout) {
    ExternalProcess.Result r = ExternalProcess.run(command(port, serverName, alpn), new byte[0], timeout);
    Optional<String> protocol = group(NEW, r.stdout()).filter(v -> !v.equals("(NONE)"));
    return new Handshake(
        r,
        protocol,
        group(ALPN, r.stdout()),
        alertIn(r.stderr()),
        r.stdout().contains("Verify return code: 0 (ok)"),
        protocol.flatMap(p -> group(SUBJECT, r.stdout())));
  }

  /** The first TLS alert reported in s_client's stderr, if any. */
  public static Optional<TlsAlert> alertIn(String stderr) {
    Matcher m = ALERT.matcher(stderr);
    return m.find()
        ? Optional.of(new TlsAlert(Integer.parseInt(m.group(2)), m.group(1).trim()))
        : Optional.empty();
  }

  private static List<String> command(int port, String serverName, List<String> alpn) {
    List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
    cmd.addAll(List.of("-CAfile", TestCerts.ca().certPem().toString()));
    if (serverName == null) {
      cmd.add("-noservername");
    } else {
      cmd.addAll(List.of("-servername", serverName, "-verify_hostname", serverName));
    }
    if (!alpn.isEmpty()) {
      cmd.addAll(List.of("-alpn", String.join(",", alpn)));
    }
    return cmd;
  }

  private static Optional<String> group(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }
}
