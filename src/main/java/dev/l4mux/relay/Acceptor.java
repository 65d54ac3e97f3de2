package dev.l4mux.relay;

import dev.l4mux.observe.AcceptErrorLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;

/**
 * The handler of one listening socket: registers every accepted socket on the listening socket's
 * own event loop (no hand-over to another thread) with a fresh {@link ProxiedConnection}.
 *
 * <p>A failed accept (EMFILE when the process is out of descriptors) stops accepting on this
 * socket for a second, as Netty's own acceptor does, so a full accept queue does not spin the
 * loop; the queue keeps the waiting clients and accepting resumes on its own.
 */
final class Acceptor extends ChannelInboundHandlerAdapter {

  static final long PAUSE_AFTER_FAILURE_MS = 1_000;

  private final String listener;
  private final ListenerRuntime runtime;
  private final AcceptErrorLog errors;

  Acceptor(String listener, ListenerRuntime runtime, AcceptErrorLog errors) {
    this.listener = listener;
    this.runtime = runtime;
    this.errors = errors;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    Channel child = (Channel) message;
    Sockets.configureRelayed(child);
    runtime.track(child);
    child.pipeline().addLast(ProxiedConnection.HANDLER_NAME, runtime.accepted(child)); // named: no name to generate
    ctx.channel().eventLoop().register(child).addListener((ChannelFutureListener) registered -> {
      if (!registered.isSuccess()) {
        child.unsafe().closeForcibly();
      }
    });
  }

  /**
   * A failed accept. Only running out of descriptors or kernel memory pauses accepting (a retry
   * would fail the same way at once); a client that gave up in the accept queue (ECONNABORTED) or a
   * firewall's refusal (EPERM) concern that client alone, and the next one is accepted at once.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    errors.failed(listener, cause);
    if (isResourceExhaustion(cause) && ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(false);
      ctx.channel().eventLoop().schedule(() -> {
        if (ctx.channel().isOpen()) {
          ctx.channel().config().setAutoRead(true);
        }
      }, PAUSE_AFTER_FAILURE_MS, TimeUnit.MILLISECONDS);
    }
  }

  /** EMFILE, ENFILE, ENOBUFS or ENOMEM, as the native transports and the JDK word them. */
  static boolean isResourceExhaustion(Throwable cause) {
    String message = String.valueOf(cause.getMessage());
    return message.contains("Too many open files") // EMFILE, ENFILE (strerror(3))
        || message.contains("No buffer space available") // ENOBUFS
        || message.contains("Cannot allocate memory"); // ENOMEM
  }
}
