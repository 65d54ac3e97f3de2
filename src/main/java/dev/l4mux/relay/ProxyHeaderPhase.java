package dev.l4mux.relay;

import dev.l4mux.config.ProxyProtocolReceive;
import dev.l4mux.sniff.proxy.ProxyHeader;
import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import dev.l4mux.sniff.proxy.ProxyHeaderResult;
import io.netty.buffer.ByteBuf;
import io.vertx.core.internal.buffer.BufferInternal;
import java.time.Duration;

/**
 * The PROXY header phase of a connection from a trusted peer (doc/proxy-protocol.txt section 2):
 * before any sniffing, the header (v1 or v2, told apart by its first byte) is read from the bytes
 * received so far, however they were split into reads, bounded by {@code timeouts.proxyHeader}
 * and by the sniff byte cap. The outcome says what the connection does next.
 *
 * <p>With {@code required: false} a trusted peer may send no header: its first bytes not being a
 * header (or silence until the timeout) serve it with its own address. A header that starts right
 * (its signature) but is broken is always refused: section 2.1, "any sequence which does not
 * exactly match the protocol must be discarded and cause the receiver to abort the connection".
 */
final class ProxyHeaderPhase {

  /** What the connection does next. */
  sealed interface Outcome permits Waiting, Read, Refused {}

  /** More bytes are needed. */
  record Waiting() implements Outcome {}

  /**
   * The phase is over: strip {@code length} bytes and go on.
   *
   * @param header the header, or null when the peer sent none (not required)
   */
  record Read(ProxyHeader header, int length) implements Outcome {}

  /** Drop the connection, counted as {@code bad_proxy_header}; {@code detail} says why. */
  record Refused(String detail) implements Outcome {}

  private static final Waiting WAITING = new Waiting();
  private static final Read NO_HEADER = new Read(null, 0);

  private final boolean required;
  private final int maxBytes;
  private final Duration timeout;

  ProxyHeaderPhase(ProxyProtocolReceive config, Duration timeout, int maxBytes) {
    this.required = config.required();
    this.timeout = timeout;
    this.maxBytes = maxBytes;
  }

  Duration timeout() {
    return timeout;
  }

  /** The bytes received so far (never null, may be empty). */
  Outcome onBytes(ByteBuf prefix) {
    ProxyHeaderResult result = ProxyHeaderParser.parse(BufferInternal.buffer(prefix), maxBytes);
    if (result instanceof ProxyHeaderResult.Match match) {
      return new Read(match.header(), match.length());
    }
    if (result instanceof ProxyHeaderResult.NoMatch bad) {
      return bad.signatureSeen() || required ? new Refused(bad.toString()) : NO_HEADER;
    }
    return WAITING;
  }

  /** The timer ran out with {@code received} bytes (0 when the peer sent nothing). */
  Outcome onTimeout(int received) {
    if (received > 0) {
      return new Refused("incomplete PROXY header after " + timeout.toMillis() + " ms (" + received + " bytes)");
    }
    return required ? new Refused("no PROXY header within " + timeout.toMillis() + " ms") : NO_HEADER;
  }

  /** The peer ended its stream with {@code received} bytes of an incomplete header. */
  Outcome onEnd(int received) {
    return new Refused("stream ended inside the PROXY header (" + received + " bytes)");
  }
}
