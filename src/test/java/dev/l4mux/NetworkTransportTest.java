package dev.l4mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.l4mux.config.ConfigParser;
import io.vertx.core.json.JsonObject;
import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;

/** How {@code auto} and the named transports are chosen, with and without UDP listeners. */
class NetworkTransportTest {

  private static final JsonObject TCP_ONLY = new JsonObject("""
      {"listeners": [{"name": "web", "bind": ["127.0.0.1:0"]}],
       "routes": [{"name": "echo", "backends": [{"address": "127.0.0.1:9"}]}]}""");
  private static final JsonObject WITH_UDP = new JsonObject("""
      {"listeners": [{"name": "web", "bind": ["127.0.0.1:0"]},
                     {"name": "quic", "bind": ["127.0.0.1:0"], "transport": "udp"}],
       "routes": [{"name": "echo", "backends": [{"address": "127.0.0.1:9"}]}]}""");

  @Test
  void findsUdpListenersInTheStartingConfiguration() {
    assertFalse(NetworkTransport.carriesUdp(ConfigParser.parse(TCP_ONLY)));
    assertTrue(NetworkTransport.carriesUdp(ConfigParser.parse(WITH_UDP)));
  }

  @Test
  void autoPrefersIoUringWithoutUdpAndEpollWithUdp() {
    assumeTrue(Transport.IO_URING != null && Transport.IO_URING.available(), "io_uring not available here");
    assumeTrue(Transport.EPOLL != null && Transport.EPOLL.available(), "epoll not available here");
    assertEquals(Transport.IO_URING, NetworkTransport.choose("auto", false));
    assertEquals(Transport.IO_URING, NetworkTransport.choose("auto"));
    assertEquals(Transport.EPOLL, NetworkTransport.choose("auto", true));
  }

  @Test
  void aNamedTransportIsTakenWhateverTheListeners() {
    assumeTrue(Transport.IO_URING != null && Transport.IO_URING.available(), "io_uring not available here");
    assertEquals(Transport.IO_URING, NetworkTransport.choose("io_uring", true));
    assertEquals(Transport.NIO, NetworkTransport.choose("nio", true));
    assertThrows(IllegalArgumentException.class, () -> NetworkTransport.choose("dpdk", true));
  }
}
