package dev.l4mux.demo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * {@code builtin:http}: answers every HTTP/1.x request with a small JSON body saying which backend
 * answered (and, behind {@code builtin:tls}, the SNI and TLS version it saw), echoing the method,
 * path and Host. Keep-alive as the request asks (RFC 9112 section 9.3); request bodies up to 64 KiB
 * are read and ignored.
 */
final class HttpDemo extends SimpleChannelInboundHandler<FullHttpRequest> {

  static final int MAX_REQUEST = 64 * 1024;

  private final String backend;
  private final String node;
  private int requests;
  private boolean inputEnded;
  private ChannelFuture lastWrite;

  private HttpDemo(String backend, String node) {
    this.backend = backend;
    this.node = node;
  }

  /** Adds the HTTP codec and the responder to a new connection's pipeline. */
  static void install(ChannelPipeline pipeline, String backend, String node) {
    pipeline.addLast("http-codec", new HttpServerCodec());
    pipeline.addLast("http-aggregator", new HttpObjectAggregator(MAX_REQUEST));
    pipeline.addLast("http-demo", new HttpDemo(backend, node));
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    requests++;
    JsonObject body = new JsonObject()
        .put("backend", backend)
        .put("node", node)
        .put("method", request.method().name())
        .put("path", request.uri())
        .put("host", request.headers().get(HttpHeaderNames.HOST))
        .put("requestOnConnection", requests);
    SslHandler tls = ctx.pipeline().get(SslHandler.class);
    if (tls != null) {
      body.put("sni", TlsDemo.serverName(ctx.channel())).put("tlsVersion", tls.engine().getSession().getProtocol());
    }
    boolean bad = request.decoderResult().isFailure();
    ByteBuf content = Unpooled.copiedBuffer((bad ? "{\"error\":\"bad request\"}" : body.encode()) + "\n", StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
        bad ? HttpResponseStatus.BAD_REQUEST : HttpResponseStatus.OK, content);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
        .set(HttpHeaderNames.SERVER, "l4mux " + backend);
    boolean keepAlive = !bad && HttpUtil.isKeepAlive(request) && !inputEnded;
    HttpUtil.setKeepAlive(response, keepAlive);
    lastWrite = ctx.writeAndFlush(response);
    if (!keepAlive) {
      lastWrite.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event == ChannelInputShutdownEvent.INSTANCE) {
      // The client's FIN after its last request: close once the answers are written.
      inputEnded = true;
      if (lastWrite == null || lastWrite.isDone()) {
        ctx.close();
      } else {
        lastWrite.addListener(ChannelFutureListener.CLOSE);
      }
      return;
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // a demo backend: a peer that misbehaves is just disconnected
  }
}
