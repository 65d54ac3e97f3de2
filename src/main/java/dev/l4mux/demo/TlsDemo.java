package dev.l4mux.demo;

import dev.l4mux.tls.PemFiles;
import dev.l4mux.tls.SelfSignedCertificate;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.AttributeKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

/**
 * {@code builtin:tls}: a TLS server whose certificate is minted (BouncyCastle, self-signed) for the
 * server name the client asks for, or {@code localhost} without SNI, then {@link HttpDemo} inside
 * the TLS. So {@code curl -k --resolve app.localhost:8443:127.0.0.1 https://app.localhost:8443/}
 * or {@code openssl s_client -servername app.localhost} shows which backend answered, and for
 * which name. Minted certificates are kept per name (at most {@link #MAX_NAMES}).
 */
final class TlsDemo {

  static final int MAX_NAMES = 256;
  static final String DEFAULT_NAME = "localhost";

  private static final AttributeKey<String> SERVER_NAME = AttributeKey.valueOf("l4mux.demo.sni");

  /** Read without a lock on every handshake (an event loop never waits on one: docs/design.md). */
  private final Map<String, SslContext> contexts = new ConcurrentHashMap<>();

  /** Adds the SNI handler (then TLS, then HTTP) to a new connection's pipeline. */
  void install(ChannelPipeline pipeline, String backend, String node) {
    pipeline.addLast("tls-sni", new SniHandler(this::context) {
      @Override
      protected void replaceHandler(ChannelHandlerContext ctx, String hostname, SslContext sslContext) throws Exception {
        ctx.channel().attr(SERVER_NAME).set(hostname);
        super.replaceHandler(ctx, hostname, sslContext);
      }
    });
    HttpDemo.install(pipeline, backend, node);
  }

  /** The server name the client sent (SNI, RFC 6066 section 3), or null. */
  static String serverName(Channel channel) {
    return channel.attr(SERVER_NAME).get();
  }

  /**
   * The context for a server name; minted on first use (a few milliseconds, on the event loop). Two
   * loops minting the same name at once both succeed, one context is kept. Past {@link #MAX_NAMES}
   * names the cache starts over (a demo backend is not a certificate authority for the world).
   */
  private SslContext context(String serverName) {
    String name = serverName == null ? DEFAULT_NAME : serverName.toLowerCase(Locale.ROOT);
    if (!SelfSignedCertificate.isDnsName(name)) {
      name = DEFAULT_NAME;
    }
    SslContext known = contexts.get(name);
    if (known != null) {
      return known;
    }
    if (contexts.size() >= MAX_NAMES) {
      contexts.clear();
    }
    SslContext minted = mint(name);
    SslContext raced = contexts.putIfAbsent(name, minted);
    return raced != null ? raced : minted;
  }

  private static SslContext mint(String name) {
    PemFiles.CertifiedKey minted = SelfSignedCertificate.mint(List.of(name));
    try {
      return SslContextBuilder.forServer(minted.key(), minted.chain().toArray(new X509Certificate[0]))
          .sslProvider(SslProvider.JDK) // a demo: the JDK engine is always there
          .protocols("TLSv1.3", "TLSv1.2")
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("builtin:tls: no TLS context for " + name + ": " + e.getMessage(), e);
    }
  }
}
