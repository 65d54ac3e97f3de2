package dev.l4mux.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SocketsTest {

  private static final Path KEEPALIVE_TIME = Path.of("/proc/sys/net/ipv4/tcp_keepalive_time");

  @Test
  void readsTheKernelsKeepAliveTimeWhole() throws Exception {
    assumeTrue(Files.exists(KEEPALIVE_TIME), "not Linux");
    Process cat = new ProcessBuilder("cat", KEEPALIVE_TIME.toString()).start();
    String expected = new String(cat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    assertEquals(0, cat.waitFor());
    assertEquals(Duration.ofSeconds(Long.parseLong(expected)), Sockets.kernelKeepAliveTime());
  }

  @Test
  void keepAliveOnlyWhereTheIdleLimitOutlastsTheKernelsFirstProbe() {
    Duration kernel = Sockets.kernelKeepAliveTime();
    assertTrue(Sockets.needsTcpKeepAlive(null), "immortal");
    assertTrue(Sockets.needsTcpKeepAlive(kernel.plusSeconds(1)));
    assertFalse(Sockets.needsTcpKeepAlive(kernel));
    assertFalse(Sockets.needsTcpKeepAlive(Duration.ofSeconds(1)));
  }
}
