package dev.l4mux.relay;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class AcceptorTest {

  @Test
  void outOfDescriptorsOrMemoryPausesAcceptingAsEveryTransportWordsIt() {
    assertTrue(Acceptor.isResourceExhaustion(new IOException("accept(..) failed: Too many open files"))); // epoll
    assertTrue(Acceptor.isResourceExhaustion(new IOException("io_uring accept(..) failed with error(-24): Too many open files")));
    assertTrue(Acceptor.isResourceExhaustion(new IOException("io_uring accept(..) failed with error(-23): Too many open files in system")));
    assertTrue(Acceptor.isResourceExhaustion(new IOException("Too many open files"))); // NIO
    assertTrue(Acceptor.isResourceExhaustion(new IOException("accept(..) failed: No buffer space available")));
    assertTrue(Acceptor.isResourceExhaustion(new IOException("accept(..) failed: Cannot allocate memory")));
  }

  @Test
  void oneClientsFailureDoesNotPauseAccepting() {
    assertFalse(Acceptor.isResourceExhaustion(new IOException("io_uring accept(..) failed with error(-103): Software caused connection abort")));
    assertFalse(Acceptor.isResourceExhaustion(new IOException("accept(..) failed: Operation not permitted")));
    assertFalse(Acceptor.isResourceExhaustion(new IOException((String) null)));
  }
}
