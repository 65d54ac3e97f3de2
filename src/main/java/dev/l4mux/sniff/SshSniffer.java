package dev.l4mux.sniff;

import io.vertx.core.buffer.Buffer;

/**
 * Recognises the client's SSH identification string (RFC 4253 4.2): {@code
 * SSH-protoversion-softwareversion [SP comments] CR LF}. Only a server may send other lines first,
 * so a client's first bytes must be "SSH-". The detail is the software version.
 */
public final class SshSniffer implements Sniffer {

  private static final String PREFIX = "SSH-";
  private static final String[] PROTO_VERSIONS = {"2.0-", "1.99-"}; // RFC 4253 4.2 and 5.1
  private static final int MAX_IDENTIFICATION_LENGTH = 255; // RFC 4253 4.2, CR LF included
  private static final int INCOMPLETE = -1;
  private static final int INVALID = -2;

  @Override
  public String protocol() {
    return "ssh";
  }

  @Override
  public SniffResult sniff(Buffer prefix) {
    int length = Math.min(prefix.length(), MAX_IDENTIFICATION_LENGTH);
    for (int i = 0; i < PREFIX.length(); i++) {
      if (i >= length) {
        return SniffResult.needMore();
      }
      if (prefix.getByte(i) != PREFIX.charAt(i)) {
        return SniffResult.noMatch();
      }
    }
    int protoVersionLength = protoVersionLength(prefix, length);
    if (protoVersionLength < 0) {
      return protoVersionLength == INCOMPLETE ? SniffResult.needMore() : SniffResult.noMatch();
    }
    int versionStart = PREFIX.length() + protoVersionLength;
    int pos = versionStart;
    // softwareversion: printable US-ASCII except whitespace and '-'; it ends at SP, CR or LF.
    for (; pos < length && prefix.getByte(pos) > ' ' && prefix.getByte(pos) < 0x7f; pos++) {
      if (prefix.getByte(pos) == '-') {
        return SniffResult.noMatch();
      }
    }
    int versionEnd = pos;
    for (; pos < length && prefix.getByte(pos) != '\n'; pos++) {
      byte c = prefix.getByte(pos);
      // comments may hold anything but NUL; CR may appear only right before LF.
      if (c == 0 || (c == '\r' && pos + 1 < length && prefix.getByte(pos + 1) != '\n')) {
        return SniffResult.noMatch();
      }
      if (pos == versionEnd && c != ' ' && c != '\r') {
        return SniffResult.noMatch();
      }
    }
    if (pos >= length) {
      return length >= MAX_IDENTIFICATION_LENGTH ? SniffResult.noMatch() : SniffResult.needMore();
    }
    if (versionEnd == versionStart) {
      return SniffResult.noMatch();
    }
    return SniffResult.match(Sniffed.ssh(prefix.getString(versionStart, versionEnd, "US-ASCII")));
  }

  /** Length of "2.0-" or "1.99-" after "SSH-", else {@link #INCOMPLETE} or {@link #INVALID}. */
  private static int protoVersionLength(Buffer prefix, int length) {
    boolean incomplete = false;
    for (String candidate : PROTO_VERSIONS) {
      int i = 0;
      while (i < candidate.length()
          && PREFIX.length() + i < length
          && prefix.getByte(PREFIX.length() + i) == candidate.charAt(i)) {
        i++;
      }
      if (i == candidate.length()) {
        return i;
      }
      incomplete |= PREFIX.length() + i == length;
    }
    return incomplete ? INCOMPLETE : INVALID;
  }
}
