package dev.l4mux.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.l4mux.it.L4muxTestNode;
import dev.l4mux.testsupport.Heap;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.TestCerts;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 1 GiB each way (times the scale) through the proxy, written in random
 * chunk sizes with random pauses, compared by SHA-256 at both ends: once over plain TCP (both
 * directions at once, each side reading the known size before closing), once through TLS
 * passthrough (a Vert.x TLS client with SNI, the kit's Vert.x TLS echo backend).
 */
@Tag("reliability")
@ExtendWith(QuietAccessLog.class)
class DataIntegrityIT {

  private static final long SIZE = 1024L * 1024 * 1024;
  private static final int MAX_CHUNK = 256 * 1024;
  private static final byte[] BLOCK = new byte[1024 * 1024 + MAX_CHUNK];

  static {
    new SplittableRandom(20261122).nextBytes(BLOCK);
  }

  @Test
  void plainTcpBothWaysAtOnceIntact() throws Exception {
    long size = SIZE * Reliability.scale();
    try (ServerSocket backend = new ServerSocket(0, 16, Reliability.loopback());
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: edge, bind: ["127.0.0.1:0"] }
            routes:
              - { name: bulk, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(backend.getLocalPort()))) {
      long baseline = Heap.usedAfterGc();
      CompletableFuture<String[]> backendSide = CompletableFuture.supplyAsync(() -> {
        try (Socket s = backend.accept()) {
          return bothWays(s, size, 2);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      long started = System.nanoTime();
      String[] clientSide;
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(Reliability.loopback(), node.port("edge")), 5_000);
        clientSide = bothWays(s, size, 1);
      }
      String[] backendHashes = backendSide.get(5, TimeUnit.MINUTES);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      System.out.printf("integrity plain: %d MB each way in %d ms (%.0f MB/s per direction)%n", size >> 20, ms, (size >> 20) * 1000.0 / ms);
      assertEquals(clientSide[0], backendHashes[1], "client -> backend: SHA-256 sent vs received");
      assertEquals(backendHashes[0], clientSide[1], "backend -> client: SHA-256 sent vs received");
      Reliability.assertNothingAccumulated(node, baseline);
    }
  }

  @Test
  void tlsPassthroughWithSniIntact() throws Exception {
    long size = SIZE * Reliability.scale();
    Vertx vertx = Vertx.vertx();
    try {
      TestCerts.CertAndKey cert = TestCerts.leaf("data.test");
      TaggedBackend tls = TaggedBackends.tlsEcho(vertx, "tls", cert).await(10, TimeUnit.SECONDS);
      try (L4muxTestNode node = L4muxTestNode.start("""
          admin: { listen: "127.0.0.1:0" }
          listeners:
            - { name: edge, bind: ["127.0.0.1:0"], fallback: reject }
          routes:
            - name: data
              match: { protocol: tls, sni: ["data.test"] }
              backends: [ { address: "127.0.0.1:%d" } ]
          """.formatted(tls.port()))) {
        long baseline = Heap.usedAfterGc();
        NetClient client = vertx.createNetClient(new NetClientOptions()
            .setSsl(true)
            .setHostnameVerificationAlgorithm("") // connects to 127.0.0.1; the chain is still verified against the CA
            .setTrustOptions(new PemTrustOptions().addCertPath(TestCerts.ca().certPem().toString())));
        long started = System.nanoTime();
        // The echo sends only what it got: nothing can arrive before the handlers are set.
        String[] hashes = client.connect(new ConnectOptions()
                .setHost("127.0.0.1").setPort(node.port("edge")).setSsl(true).setSniServerName("data.test"))
            .compose(socket -> echoThroughTls(vertx, socket, size).andThen(done -> socket.close()))
            .await(5, TimeUnit.MINUTES);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.printf("integrity tls: %d MB each way in %d ms%n", size >> 20, ms);
        assertEquals(hashes[0], hashes[1], "SHA-256 of what the client sent vs what came back through the TLS echo");
        client.close().await(10, TimeUnit.SECONDS);
        Reliability.assertNothingAccumulated(node, baseline);
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Sends {@code size} bytes (random chunks, random pauses) while reading {@code size} bytes from
   * the peer; returns {count and sha256 sent, count and sha256 received}.
   */
  private static String[] bothWays(Socket s, long size, long seed) throws Exception {
    s.setSoTimeout(120_000);
    CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
      MessageDigest sha = sha256();
      byte[] buf = new byte[64 * 1024];
      long count = 0;
      try {
        InputStream in = s.getInputStream();
        for (int n; count < size && (n = in.read(buf, 0, (int) Math.min(buf.length, size - count))) >= 0; ) {
          sha.update(buf, 0, n);
          count += n;
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return count + " bytes, SHA-256 " + HexFormat.of().formatHex(sha.digest());
    });
    MessageDigest sha = sha256();
    SplittableRandom random = new SplittableRandom(seed);
    OutputStream out = s.getOutputStream();
    for (long left = size; left > 0; ) {
      int n = (int) Math.min(left, 1 + random.nextInt(MAX_CHUNK));
      int offset = random.nextInt(BLOCK.length - n + 1);
      out.write(BLOCK, offset, n);
      sha.update(BLOCK, offset, n);
      left -= n;
      if (random.nextInt(128) == 0) {
        Thread.sleep(random.nextInt(1, 20));
      }
    }
    // No FIN until both directions are done: each side knows the size, so this does not depend
    // on half-close (whose FIN handling has its own test in ResetIT).
    return new String[] {size + " bytes, SHA-256 " + HexFormat.of().formatHex(sha.digest()), received.get(5, TimeUnit.MINUTES)};
  }

  /**
   * Writes {@code size} random-chunked bytes with pauses and reads the echo.
   * Call on the socket's event loop.
   */
  private static io.vertx.core.Future<String[]> echoThroughTls(Vertx vertx, NetSocket socket, long size) {
    Promise<String[]> done = Promise.promise();
    MessageDigest sent = sha256();
    MessageDigest received = sha256();
    long[] counts = new long[2]; // [0] bytes read, [1] bytes left to write
    counts[1] = size;
    SplittableRandom random = new SplittableRandom(3);
    socket.exceptionHandler(done::tryFail);
    socket.closeHandler(v -> done.tryFail("closed after " + counts[0] + " bytes back"));
    socket.handler(buffer -> {
      byte[] bytes = buffer.getBytes();
      received.update(bytes);
      counts[0] += bytes.length;
      if (counts[0] == size) {
        done.tryComplete(new String[] {HexFormat.of().formatHex(sent.digest()), HexFormat.of().formatHex(received.digest())});
      }
    });
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (counts[1] > 0 && !socket.writeQueueFull()) {
        if (random.nextInt(128) == 0) {
          vertx.setTimer(random.nextInt(1, 20), t -> pump[0].run());
          return;
        }
        int n = (int) Math.min(counts[1], 1 + random.nextInt(MAX_CHUNK));
        int offset = random.nextInt(BLOCK.length - n + 1);
        sent.update(BLOCK, offset, n);
        socket.write(Buffer.buffer().appendBytes(BLOCK, offset, n));
        counts[1] -= n;
      }
      if (counts[1] > 0) {
        socket.drainHandler(v -> pump[0].run());
      }
    };
    pump[0].run();
    return done.future();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
