package dev.l4mux.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Line-oriented reads on blocking sockets, for tests that talk to tagged backends. */
public final class Lines {

  private Lines() {}

  /** Reads up to (not including) the next {@code \n}, or to the end of the stream. */
  public static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b; (b = in.read()) != -1 && b != '\n'; ) {
      line.append((char) b);
    }
    return line.toString();
  }

  /** Writes {@code text + "\n"}. */
  public static void writeLine(java.io.OutputStream out, String text) throws IOException {
    out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
