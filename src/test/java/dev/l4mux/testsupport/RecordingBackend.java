package dev.l4mux.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP backend (port 0) that records every byte a connection sent it up to the first
 * {@code \n} of the client's payload, answers {@code <tag>\n} and closes: a test reads exactly
 * what l4mux wrote in front of the client's bytes (a PROXY header). With {@code greeting} it
 * speaks first, as SMTP or MySQL do. A connection that sends nothing (a readiness probe through a
 * proxy in front) is not recorded.
 */
public final class RecordingBackend implements AutoCloseable {

  private final String tag;
  private final boolean greeting;
  private final ServerSocket server;
  private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
  private final Thread acceptor;

  private RecordingBackend(String tag, boolean greeting) throws IOException {
    this.tag = tag;
    this.greeting = greeting;
    this.server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "recording-backend-" + tag);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public static RecordingBackend start(String tag) throws IOException {
    return new RecordingBackend(tag, false);
  }

  /** Sends {@code <tag> greeting\n} as soon as a connection is accepted. */
  public static RecordingBackend startGreeting(String tag) throws IOException {
    return new RecordingBackend(tag, true);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** The bytes of the next connection that ended its line, in arrival order. */
  public byte[] next(Duration timeout) throws InterruptedException {
    byte[] bytes = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (bytes == null) {
      throw new AssertionError("backend " + tag + " received no connection within " + timeout);
    }
    return bytes;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t = new Thread(() -> serve(s), "recording-backend-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setSoTimeout(15_000);
      if (greeting) {
        s.getOutputStream().write((tag + " greeting\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      int b;
      boolean sawPayloadNewline = false;
      while (!sawPayloadNewline && (b = in.read()) >= 0) {
        all.write(b);
        // A v1 header ends in CRLF and a v2 header may hold '\n' bytes: the payload ends with "!\n".
        byte[] so = all.toByteArray();
        sawPayloadNewline = so.length >= 2 && so[so.length - 1] == '\n' && so[so.length - 2] == '!';
      }
      if (all.size() > 0) { // a connection that sent nothing (a readiness probe) is not recorded
        received.add(all.toByteArray());
      }
      if (sawPayloadNewline) {
        s.getOutputStream().write((tag + "\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
      }
    } catch (IOException e) {
      received.add(new byte[0]);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
