package dev.l4mux.it;

import static dev.l4mux.it.UdpPolicyIT.from;
import static dev.l4mux.it.UdpPolicyIT.metric;
import static dev.l4mux.it.UdpPolicyIT.receive;
import static dev.l4mux.it.UdpPolicyIT.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.sniff.DatagramFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * WireGuard flows keyed by the backend's session index (whitepaper 5.4): the recorded
 * wireguard-go handshake initiation starts a flow, a responder answers with a handshake response
 * carrying its sender index, and a transport message to that index from a new client address (a
 * roaming peer, here another loopback source) joins the flow: same backend socket, replies to the
 * new address. A transport message to an unknown index from an unknown address starts no flow.
 */
class WireGuardRoamingIT {

  /** The responder's session index (its sender index in the response). */
  private static final int RESPONDER_INDEX = 0x5ca1ab1e;

  /**
   * A WireGuard responder reduced to its message framing: answers an initiation (type 1, 148
   * bytes) with a response (type 2, 92 bytes: sender, receiver = the initiator's index, then
   * ephemeral, empty, mac1, mac2 as filler), and a transport message (type 4) with one to the
   * initiator's index whose payload is "wg:" + the received payload.
   */
  private static final class Responder implements AutoCloseable {
    final DatagramSocket socket;
    final Set<InetSocketAddress> peers = ConcurrentHashMap.newKeySet();
    volatile int initiatorIndex;

    Responder() throws IOException {
      socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Thread t = new Thread(this::serve, "wg-responder");
      t.setDaemon(true);
      t.start();
    }

    private void serve() {
      byte[] buffer = new byte[2048];
      while (!socket.isClosed()) {
        try {
          DatagramPacket in = new DatagramPacket(buffer, buffer.length);
          socket.receive(in);
          peers.add((InetSocketAddress) in.getSocketAddress());
          ByteBuffer msg = ByteBuffer.wrap(buffer, 0, in.getLength()).order(ByteOrder.LITTLE_ENDIAN);
          byte[] reply;
          if (in.getLength() == 148 && buffer[0] == 1) {
            initiatorIndex = msg.getInt(4);
            ByteBuffer out = ByteBuffer.allocate(92).order(ByteOrder.LITTLE_ENDIAN);
            out.put((byte) 2).put(new byte[3]).putInt(RESPONDER_INDEX).putInt(initiatorIndex);
            reply = out.array();
          } else if (buffer[0] == 4 && in.getLength() >= 32) {
            byte[] payload = Arrays.copyOfRange(buffer, 16, in.getLength());
            reply = transport(initiatorIndex, concat("wg:".getBytes(StandardCharsets.US_ASCII), payload));
          } else {
            continue;
          }
          socket.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
        } catch (IOException e) {
          return;
        }
      }
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  /** A transport data message (5.4.6): type 4, reserved, receiver index, counter, then the sealed payload. */
  static byte[] transport(int receiver, byte[] payload) {
    ByteBuffer out = ByteBuffer.allocate(16 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put((byte) 4).put(new byte[3]).putInt(receiver).putLong(1).put(payload);
    return out.array();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** At least the 16-byte AEAD tag's worth of payload, as every transport message has. */
  private static byte[] payload(String text) {
    return String.format("%-16s", text).getBytes(StandardCharsets.US_ASCII);
  }

  private static String replyPayload(byte[] reply) {
    assertEquals(4, reply[0], "a transport message");
    return new String(reply, 16, reply.length - 16, StandardCharsets.US_ASCII).strip();
  }

  @Test
  void aRoamingPeerKeepsItsFlowAndBackendByTheRespondersIndex() throws Exception {
    try (Responder responder = new Responder();
        L4muxTestNode node = L4muxTestNode.start("""
            admin: { listen: "127.0.0.1:0" }
            listeners:
              - { name: wg, bind: ["127.0.0.1:0"], transport: udp, fallback: reject }
            routes:
              - { name: wireguard, match: { protocol: wireguard }, backends: [ { address: "127.0.0.1:%d" } ] }
            """.formatted(responder.socket.getLocalPort()))) {
      int port = node.port("wg");
      byte[] initiation = DatagramFixture.named("wireguard/wireguard-go-initiation").datagrams().get(0);
      int initiatorIndex = ByteBuffer.wrap(initiation).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
      try (DatagramSocket home = from("127.0.0.2"); DatagramSocket roamed = from("127.0.0.3");
          DatagramSocket stranger = from("127.0.0.4")) {
        send(home, port, initiation);
        ByteBuffer response = ByteBuffer.wrap(receive(home)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(92, response.capacity());
        assertEquals(RESPONDER_INDEX, response.getInt(4));
        assertEquals(initiatorIndex, response.getInt(8));

        send(home, port, transport(RESPONDER_INDEX, payload("from home")));
        assertEquals("wg:from home", replyPayload(receive(home)));
        JsonObject flow = new JsonObject(node.admin("/api/flows").body()).getJsonArray("flows").getJsonObject(0);
        assertEquals(new JsonArray().add(String.format("%08x", RESPONDER_INDEX)), flow.getJsonArray("receiverIndexes"));

        // The peer roams: a new address and port, the same session.
        send(roamed, port, transport(RESPONDER_INDEX, payload("roamed")));
        assertEquals("wg:roamed", replyPayload(receive(roamed)));
        send(roamed, port, transport(RESPONDER_INDEX, payload("again")));
        assertEquals("wg:again", replyPayload(receive(roamed)));
        assertEquals(1, responder.peers.size(), "one backend socket: the responder saw one peer");
        JsonArray flows = new JsonObject(node.admin("/api/flows").body()).getJsonArray("flows");
        assertEquals(1, flows.size(), flows.encode());
        assertEquals("127.0.0.3:" + roamed.getLocalPort(), flows.getJsonObject(0).getString("client"));
        assertEquals(4, flows.getJsonObject(0).getLong("datagramsUp"), "initiation, one from home, two after roaming");

        // An index nobody chose, from an unknown address: no flow, no route, no answer.
        stranger.setSoTimeout(500);
        send(stranger, port, transport(RESPONDER_INDEX + 1, payload("stranger")));
        boolean silent;
        try {
          receive(stranger);
          silent = false;
        } catch (SocketTimeoutException expected) {
          silent = true;
        }
        assertTrue(silent);
        UdpRelayIT.awaitTrue(() -> metric(node, "l4mux_udp_drops_total", "reason=\"no_route\"") == 1, Duration.ofSeconds(30));
        assertArrayEquals(new Object[] {"127.0.0.3:" + roamed.getLocalPort()},
            new JsonObject(node.admin("/api/flows").body()).getJsonArray("flows").stream()
                .map(f -> ((JsonObject) f).getString("client")).toArray());
      }
    }
  }
}
