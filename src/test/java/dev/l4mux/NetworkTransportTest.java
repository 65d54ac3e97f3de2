package dev.l4mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.transport.Transport;
import org.junit.jupiter.api.Test;

/** How {@code auto} and the named transports are chosen. */
class NetworkTransportTest {

  @Test
  void autoPrefersIoUring() {
    assumeTrue(Transport.IO_URING != null && Transport.IO_URING.available(), "io_uring not available here");
    assertEquals(Transport.IO_URING, NetworkTransport.choose("auto"));
  }

  @Test
  void aNamedTransportIsTakenAndAnUnknownOneRefusedByName() {
    assumeTrue(Transport.EPOLL != null && Transport.EPOLL.available(), "epoll not available here");
    assertEquals(Transport.EPOLL, NetworkTransport.choose("epoll"));
    assertEquals(Transport.NIO, NetworkTransport.choose("nio"));
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> NetworkTransport.choose("dpdk"));
    assertTrue(unknown.getMessage().contains("'dpdk'"), unknown.getMessage());
  }
}
