package dev.l4mux.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A UDP echo server on 127.0.0.1, port 0, that tags each reply ("tag:" + datagram) so a test can
 * tell which backend answered, and remembers the source addresses it heard (one per flow l4mux
 * opened towards it).
 */
public final class UdpEchoBackend implements AutoCloseable {

  private final String tag;
  private final DatagramSocket socket;
  private final Thread thread;
  private final Set<InetSocketAddress> peers = ConcurrentHashMap.newKeySet();

  private UdpEchoBackend(String tag) throws SocketException {
    this.tag = tag;
    this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.thread = new Thread(this::serve, "udp-echo-" + tag);
    thread.setDaemon(true);
    thread.start();
  }

  public static UdpEchoBackend start(String tag) {
    try {
      return new UdpEchoBackend(tag);
    } catch (SocketException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** Source addresses that sent datagrams here. */
  public Set<InetSocketAddress> peers() {
    return Set.copyOf(peers);
  }

  private void serve() {
    byte[] buffer = new byte[65_535];
    byte[] prefix = (tag + ":").getBytes(StandardCharsets.US_ASCII);
    while (!socket.isClosed()) {
      try {
        DatagramPacket in = new DatagramPacket(buffer, buffer.length);
        socket.receive(in);
        peers.add((InetSocketAddress) in.getSocketAddress());
        byte[] reply = new byte[prefix.length + in.getLength()];
        System.arraycopy(prefix, 0, reply, 0, prefix.length);
        System.arraycopy(buffer, 0, reply, prefix.length, in.getLength());
        socket.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
      } catch (IOException e) {
        if (!socket.isClosed()) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
