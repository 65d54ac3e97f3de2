package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.l4mux.it.L4muxTestNode;
import dev.l4mux.testsupport.Heap;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that uploads more than its backend reads at once and then ends its stream (a FIN, or a
 * full close) on a route without half-close: every byte sent before the end must reach the backend
 * before l4mux closes it. While the backend is slow, l4mux has paused the client, and Vert.x holds
 * what Netty read meanwhile in its own queue; the end of the stream must not overtake that queue
 * (docs/design.md, "End of stream"). The half-close variant is in {@link ResetIT}.
 */
@Tag("reliability")
@ExtendWith(QuietAccessLog.class)
class EndOfStreamIT {

  private static final int UPLOADS = 60;

  @ParameterizedTest(name = "client ends with {0}")
  @ValueSource(strings = {"fin", "close"})
  void uploadEndingWhileClientIsPausedArrivesWhole(String ending) throws Exception {
    try (CountingBackend backend = new CountingBackend();
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: plain, bind: ["127.0.0.1:0"] }
            routes:
              - { name: whole-close, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(backend.port()))) {
      long baseline = Heap.usedAfterGc();
      InetSocketAddress plain = new InetSocketAddress(Reliability.loopback(), node.port("plain"));
      List<String> wrong = new ArrayList<>();
      SplittableRandom random = new SplittableRandom(11);
      for (int i = 0; i < UPLOADS; i++) {
        int size = random.nextInt(1_000_000, 12_000_000);
        try (Socket s = new Socket()) {
          s.connect(plain, 5_000);
          s.getOutputStream().write(new byte[size]);
          if (ending.equals("fin")) {
            s.shutdownOutput();
          }
        } // close: a FIN after the bytes (nothing unread on our side, so no reset)
        Long received = backend.counts.poll(30, TimeUnit.SECONDS);
        if (received == null || received != size) {
          wrong.add("sent " + size + ", backend got " + received);
        }
      }
      assertEquals(List.of(), wrong, "uploads that did not arrive whole");
      Reliability.assertNothingAccumulated(node, baseline);
    }
  }

  /** Reads each connection slowly to its end and records how many bytes arrived. */
  private static final class CountingBackend implements AutoCloseable {
    final BlockingQueue<Long> counts = new LinkedBlockingQueue<>();
    private final ServerSocket server = new ServerSocket(0, 128, Reliability.loopback());

    CountingBackend() throws IOException {
      Thread t = new Thread(this::serve, "counting-backend");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve() {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          s.setSoTimeout(30_000);
          InputStream in = s.getInputStream();
          byte[] bite = new byte[16 * 1024];
          long n = 0;
          int reads = 0;
          for (int r; (r = in.read(bite)) >= 0; ) {
            n += r;
            if (++reads % 64 == 0) {
              Thread.sleep(1); // slower than the client: l4mux must pause it
            }
          }
          counts.add(n);
        } catch (IOException e) {
          counts.add(-1L); // reset or timeout: reported as a wrong count
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
