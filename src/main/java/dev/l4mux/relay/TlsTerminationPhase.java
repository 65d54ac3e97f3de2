package dev.l4mux.relay;

import dev.l4mux.config.ListenerConfig;
import dev.l4mux.config.RouteConfig;
import dev.l4mux.observe.TlsFacts;
import dev.l4mux.tls.CertificateStore;
import dev.l4mux.tls.TlsTermination;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.util.function.Consumer;

/**
 * The client's handshake on a route that terminates TLS ({@code tls.mode: terminate} or {@code
 * reencrypt}), made on the ClientHello the sniffer kept ({@link TlsTermination}) with the
 * certificate the node's store selects for the listener, the route and the SNI; the backend is
 * connected only once it succeeded (docs/design.md, "TLS termination").
 */
final class TlsTerminationPhase {

  private TlsTerminationPhase() {}

  /**
   * Starts the handshake on {@code hello} (the sniffed prefix, owned from here; null when the
   * client sent nothing), then calls {@code established} with its facts, or {@code refused} with
   * the close reason (the SSL handler sent its alert and closes the socket).
   */
  static void start(Channel client, ListenerRuntime runtime, ListenerConfig listener, RouteConfig route, String sni,
      ByteBuf hello, Consumer<TlsFacts> established, Consumer<String> refused) {
    ByteBuf bytes = hello == null ? Unpooled.EMPTY_BUFFER : hello;
    CertificateStore.Selection selection = runtime.state().certificates().select(listener.name(), route, sni);
    if (selection == null) { // the route lost its certificates to a configuration change a moment ago
      bytes.release();
      refused.accept(TlsTermination.HANDSHAKE_REFUSAL);
      return;
    }
    TlsTermination.start(client, ProxiedConnection.HANDLER_NAME, route, selection, bytes, listener.timeouts().sniff(),
        runtime.state().metrics(), listener.name(), established, refused);
  }
}
