package dev.l4mux.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Backends on 127.0.0.1, port 0, that put a tag in what they send, so an end-to-end test can
 * assert which backend a proxied connection reached. Every factory returns once the server is
 * bound. Replies:
 *
 * <ul>
 *   <li>{@link #tcpEcho}: sends nothing first, echoes every byte (client-first protocols).
 *   <li>{@link #tcpGreeting}: sends {@code tag + "\n"} on accept, then echoes (server-first, like
 *       SSH or SMTP).
 *   <li>{@link #tls}: TLS server; after the handshake sends {@code tag + "\n"}, then echoes;
 *       {@link #tlsEcho} only echoes.
 *   <li>{@link #http}: every request gets 200, body {@code tag}, header {@code X-Backend: tag};
 *       WebSocket upgrades are accepted and each text frame {@code t} is answered with {@code
 *       tag + ":" + t}.
 * </ul>
 *
 * Echoing uses {@code pipeTo}, so it honours backpressure and closes when the client closes.
 */
public final class TaggedBackends {
  /** Response header naming the HTTP backend. */
  public static final String BACKEND_HEADER = "X-Backend";

  private TaggedBackends() {}

  public static Future<TaggedBackend> tcpEcho(Vertx vertx, String tag) {
    return net(vertx, new NetServerOptions(), tag, false);
  }

  public static Future<TaggedBackend> tcpGreeting(Vertx vertx, String tag) {
    return net(vertx, new NetServerOptions(), tag, true);
  }

  /** TLS with {@code certs} (e.g. {@link TestCerts#leaf}); no ALPN, no client auth. */
  public static Future<TaggedBackend> tls(Vertx vertx, String tag, TestCerts.CertAndKey certs) {
    // Vert.x calls the connect handler only after the TLS handshake has completed.
    return net(vertx, tlsOptions(certs), tag, true);
  }

  /**
   * TLS that sends nothing first and echoes: for Vert.x clients, which lose whatever arrives
   * before their handlers are set (a greeting can come in the same read as the handshake's end).
   */
  public static Future<TaggedBackend> tlsEcho(Vertx vertx, String tag, TestCerts.CertAndKey certs) {
    return net(vertx, tlsOptions(certs), tag, false);
  }

  private static NetServerOptions tlsOptions(TestCerts.CertAndKey certs) {
    return new NetServerOptions()
        .setSsl(true)
        .setKeyCertOptions(
            new PemKeyCertOptions()
                .setCertPath(certs.certPem().toString())
                .setKeyPath(certs.keyPem().toString()));
  }

  public static Future<TaggedBackend> http(Vertx vertx, String tag) {
    AtomicInteger accepted = new AtomicInteger();
    HttpServer server =
        vertx
            .createHttpServer()
            .connectionHandler(connection -> accepted.incrementAndGet())
            .requestHandler(
                request -> request.response().putHeader(BACKEND_HEADER, tag).setStatusCode(200).end(tag))
            .webSocketHandshakeHandler(handshake -> handshake.accept())
            .webSocketHandler(ws -> ws.textMessageHandler(text -> ws.writeTextMessage(tag + ":" + text)));
    return server
        .listen(0, "127.0.0.1")
        .map(s -> new TaggedBackend(tag, s.actualPort(), accepted, s::close));
  }

  /** See {@link SinkBackend}; {@code bytesPerTick} 0 reads at full speed. */
  public static Future<SinkBackend> sink(Vertx vertx, int bytesPerTick) {
    return SinkBackend.start(vertx, bytesPerTick);
  }

  /** A full-speed sink. */
  public static Future<SinkBackend> sink(Vertx vertx) {
    return SinkBackend.start(vertx, 0);
  }

  /** See {@link SourceBackend}. */
  public static Future<SourceBackend> source(Vertx vertx, long length, long seed) {
    return SourceBackend.start(vertx, length, seed);
  }

  private static Future<TaggedBackend> net(Vertx vertx, NetServerOptions options, String tag, boolean greet) {
    AtomicInteger accepted = new AtomicInteger();
    NetServer server =
        vertx
            .createNetServer(options)
            .connectHandler(
                socket -> {
                  accepted.incrementAndGet();
                  if (greet) {
                    socket.write(Buffer.buffer(tag + "\n"));
                  }
                  echo(socket);
                });
    return server
        .listen(0, "127.0.0.1")
        .map(s -> new TaggedBackend(tag, s.actualPort(), accepted, s::close));
  }

  private static void echo(NetSocket socket) {
    socket.pipeTo(socket);
  }
}
