package dev.l4mux.relay;

import dev.l4mux.sniff.proxy.ProxyHeaderParser;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * Tells whether the first bytes of a peer whose PROXY headers are not read begin with a PROXY
 * signature (a forged header: it stays in the stream, and is counted). It copies at most the
 * signature's length from each read, without consuming anything, so a header split across reads
 * is recognised both before the relay (sniffing) and on a relay that started before the first byte.
 */
final class ForgedHeaderCheck {

  /** The v2 signature, the longer of the two (doc/proxy-protocol.txt section 2.2). */
  private static final int SIGNATURE_LENGTH = 12;

  private byte[] seen = new byte[0];
  private ProxyHeaderParser.Signature verdict = ProxyHeaderParser.Signature.NEED_MORE;

  boolean decided() {
    return verdict != ProxyHeaderParser.Signature.NEED_MORE;
  }

  /** Looks at the next read's bytes; true exactly once, when they complete a signature. */
  boolean forgedAfter(ByteBuf read) {
    if (decided() || !read.isReadable()) {
      return false;
    }
    int take = Math.min(SIGNATURE_LENGTH - seen.length, read.readableBytes());
    byte[] more = Arrays.copyOf(seen, seen.length + take);
    read.getBytes(read.readerIndex(), more, seen.length, take);
    seen = more;
    verdict = ProxyHeaderParser.signature(Buffer.buffer(seen));
    return verdict == ProxyHeaderParser.Signature.PRESENT;
  }
}
