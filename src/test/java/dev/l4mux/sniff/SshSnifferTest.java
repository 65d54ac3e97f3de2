package dev.l4mux.sniff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SshSnifferTest {

  private final SshSniffer ssh = new SshSniffer();

  private SniffResult sniff(String text) {
    return ssh.sniff(Buffer.buffer(text, "ISO-8859-1"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n'|OpenSSH_9.2p1",
        "'SSH-1.99-Cisco_1.25\r\n'|Cisco_1.25",
        "'SSH-2.0-PuTTY_Release_0.81\n'|PuTTY_Release_0.81",
        "'SSH-2.0-Go\r\nextra bytes after the line'|Go"
      })
  void identificationStringMatchesWithTheSoftwareVersion(String text, String softwareVersion) {
    assertEquals(SniffResult.match(Sniffed.ssh(softwareVersion)), sniff(text));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SSH-1.5-old\r\n", // SSH 1 only
        "SSH-2.0-\r\n", // empty softwareversion
        "SSH-2.0-a-b\r\n", // '-' inside softwareversion
        "SSH-2.0-a\tb\r\n",
        "SSH-2.0-a b\rc\r\n",
        "SSH-2.0-a b\u0000\r\n",
        "ssh-2.0-lower\r\n",
        "HELLO\r\nSSH-2.0-server-only-may-send-lines-first\r\n"
      })
  void malformedIdentificationIsNoMatch(String text) {
    assertInstanceOf(SniffResult.NoMatch.class, sniff(text));
  }

  @Test
  void identificationLongerThan255BytesIsNoMatch() {
    String longest = "SSH-2.0-x " + "c".repeat(255 - 12) + "\r\n";
    assertEquals(255, longest.length());
    assertInstanceOf(SniffResult.Match.class, sniff(longest));
    assertInstanceOf(SniffResult.NoMatch.class, sniff("SSH-2.0-x c" + longest.substring(10)));
  }

  @Test
  void needsMoreWhileThePrefixCanStillBecomeAnIdentification() {
    for (String prefix :
        new String[] {
          "", "S", "SSH", "SSH-", "SSH-1", "SSH-1.9", "SSH-2.0-Open", "SSH-2.0-x c\r"
        }) {
      assertInstanceOf(SniffResult.NeedMore.class, sniff(prefix), prefix);
    }
  }
}
