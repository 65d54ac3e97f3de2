package dev.l4mux;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * {@code l4mux train [SECONDS]}: a training run for the JVM's ahead-of-time caches. It starts a node
 * on loopback with an echo backend of its own and drives the connections l4mux lives on through it
 * (TLS ClientHellos routed by SNI, HTTP requests routed by Host, bytes no sniffer knows), each a new
 * connection, for SECONDS (default 20), then exits 0. Run under {@code -XX:AOTCacheOutput=FILE}
 * (JDK 25) the JVM then writes a cache of the classes it loaded and linked and of the method
 * profiles it gathered, so that a node started with {@code -XX:AOTCache=FILE} starts faster and
 * compiles its hot paths sooner (docs/performance.md, "warm-up"); {@code -XX:ArchiveClassesAtExit}
 * does the class part on JDK 17.
 */
final class Training {

  static final int DEFAULT_SECONDS = 20;
  private static final int CLIENTS = 4;
  private static final String NAME = "train.l4mux.test";
  /** Held, so the level set on it outlives a garbage collection (java.util.logging keeps loggers weakly). */
  private static final Logger ACCESS_LOG = Logger.getLogger(dev.l4mux.observe.AccessLogVerticle.LOGGER_NAME);

  private Training() {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    int seconds;
    try {
      seconds = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_SECONDS;
      if (seconds < 1 || seconds > 3600) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      err.println("usage: java -jar l4mux.jar train [SECONDS]   (1-3600, default " + DEFAULT_SECONDS + ")");
      return 2;
    }
    ACCESS_LOG.setLevel(Level.OFF); // no line per training connection
    Vertx vertx = NetworkTransport.vertxBuilder(new VertxOptions()).build();
    try {
      NetServer echo = vertx.createNetServer().connectHandler(socket -> socket.handler(socket::write));
      int echoPort = echo.listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS).actualPort();
      Path config = Files.createTempFile("l4mux-train", ".json");
      Files.writeString(config, config(echoPort).encodePrettily());
      RootVerticle root = new RootVerticle();
      vertx.deployVerticle(root, new DeploymentOptions().setConfig(new JsonObject().put("l4mux.configPath", config.toString())))
          .await(60, TimeUnit.SECONDS);
      InetSocketAddress edge = new InetSocketAddress("127.0.0.1", root.state().boundPorts("train").get(0));
      long connections = drive(edge, seconds);
      config.toFile().deleteOnExit(); // watched until the node stops
      out.println("l4mux train: " + connections + " connections in " + seconds + " s");
      return 0;
    } catch (Exception e) {
      err.println("l4mux train failed: " + e);
      return 1;
    } finally {
      try {
        vertx.close().await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        err.println("l4mux train: closing: " + e);
      }
    }
  }

  private static JsonObject config(int echoPort) {
    JsonArray backends = new JsonArray().add(new JsonObject().put("address", "127.0.0.1:" + echoPort));
    return new JsonObject()
        .put("admin", new JsonObject().put("listen", "127.0.0.1:0"))
        .put("listeners", new JsonArray().add(new JsonObject().put("name", "train").put("bind", new JsonArray().add("127.0.0.1:0"))))
        .put("routes", new JsonArray()
            .add(new JsonObject().put("name", "tls").put("match", new JsonObject().put("protocol", "tls").put("sni", new JsonArray().add(NAME))).put("backends", backends))
            .add(new JsonObject().put("name", "http").put("match", new JsonObject().put("protocol", "http").put("host", new JsonArray().add(NAME))).put("backends", backends))
            .add(new JsonObject().put("name", "other").put("match", new JsonObject().put("protocol", "unknown")).put("backends", backends)));
  }

  /** New connections from {@link #CLIENTS} threads until the time is up; returns how many were echoed. */
  private static long drive(InetSocketAddress edge, int seconds) throws Exception {
    List<byte[]> payloads = List.of(
        clientHello(),
        ("GET /train HTTP/1.1\r\nHost: " + NAME + "\r\nUser-Agent: l4mux-train\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
        unknownBytes());
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong echoed = new AtomicLong();
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      int first = c;
      Thread client = new Thread(() -> {
        for (int i = first; System.nanoTime() < until; i++) {
          byte[] payload = payloads.get(i % payloads.size());
          try (Socket socket = new Socket()) {
            socket.setSoTimeout(10_000);
            socket.connect(edge, 10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(payload);
            if (Arrays.equals(payload, in.readNBytes(payload.length))) {
              echoed.incrementAndGet();
            }
          } catch (IOException e) {
            // The unknown bytes wait for the sniff timeout's fallback at worst; go on with the next.
          }
        }
      }, "l4mux-train-" + c);
      client.start();
      clients.add(client);
    }
    for (Thread client : clients) {
      client.join();
    }
    return echoed.get();
  }

  /** Bytes that every sniffer rejects at the first byte (no TLS record type, no HTTP method, no SSH banner). */
  private static byte[] unknownBytes() {
    byte[] bytes = new byte[256];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }
    return bytes;
  }

  /** The first flight of a TLS client offering {@link #NAME}, made by the JDK's own engine. */
  private static byte[] clientHello() throws Exception {
    SSLEngine engine = SSLContext.getDefault().createSSLEngine(NAME, 443);
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setServerNames(List.of(new SNIHostName(NAME)));
    parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
    engine.setSSLParameters(parameters);
    ByteBuffer hello = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), hello);
    hello.flip();
    byte[] bytes = new byte[hello.remaining()];
    hello.get(bytes);
    return bytes;
  }
}
