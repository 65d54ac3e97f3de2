package dev.l4mux.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The most a TCP socket's buffers can hold on this kernel: the third fields of
 * {@code net.ipv4.tcp_wmem} and {@code net.ipv4.tcp_rmem}, the ceilings of send and receive
 * autotuning (tcp(7)). Linux raised the receive ceiling from 6 to 32 MiB in 6.x, so a bound on
 * bytes in flight that assumed the old one failed on newer kernels.
 */
public final class KernelBuffers {

  private KernelBuffers() {}

  /** Autotuning ceiling of a socket's send buffer, in bytes. */
  public static long sendMaximum() {
    return third(Path.of("/proc/sys/net/ipv4/tcp_wmem"));
  }

  /** Autotuning ceiling of a socket's receive buffer, in bytes. */
  public static long receiveMaximum() {
    return third(Path.of("/proc/sys/net/ipv4/tcp_rmem"));
  }

  /**
   * What the kernel may hold along a path of {@code hops} TCP connections, each with a send buffer
   * at one end and a receive buffer at the other.
   */
  public static long loopbackPathMaximum(int hops) {
    return hops * (sendMaximum() + receiveMaximum());
  }

  private static long third(Path file) {
    // A /proc file reports size 0, so read it as a stream, not by its size (Files.readString).
    try (java.io.InputStream in = Files.newInputStream(file)) {
      String[] fields = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim().split("\\s+");
      return Long.parseLong(fields[2]);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
