package dev.l4mux.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.l4mux.sniff.DatagramFixture;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Session indexes of WireGuard messages (whitepaper 5.4.2, 5.4.3, 5.4.6), read from the recorded
 * wireguard-go initiation and from responses and transport messages built to the whitepaper's
 * layout; anything of another type, length or with reserved bytes set is no index.
 */
class WireGuardIndexesTest {

  private static ByteBuf message(int type, int length, int first, int second) {
    ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) type).put(new byte[3]).putInt(first).putInt(second);
    return Unpooled.wrappedBuffer(b.array());
  }

  @Test
  void theRecordedInitiationsSenderIsTheIndexABackendInitiationWouldChoose() {
    byte[] initiation = DatagramFixture.named("wireguard/wireguard-go-initiation").datagrams().get(0);
    int sender = ByteBuffer.wrap(initiation).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
    assertEquals(sender, WireGuardIndexes.backendSender(Unpooled.wrappedBuffer(initiation)));
    assertNull(WireGuardIndexes.clientReceiver(Unpooled.wrappedBuffer(initiation)), "an initiation is addressed to no session");
  }

  @Test
  void aResponseGivesItsSenderOneWayAndItsReceiverTheOther() {
    assertEquals(0x11223344, WireGuardIndexes.backendSender(message(2, 92, 0x11223344, 0x55667788)));
    assertEquals(0x55667788, WireGuardIndexes.clientReceiver(message(2, 92, 0x11223344, 0x55667788)));
    assertNull(WireGuardIndexes.backendSender(message(2, 91, 1, 2)));
    assertNull(WireGuardIndexes.backendSender(message(2, 93, 1, 2)));
  }

  @Test
  void aTransportMessageGivesItsReceiverFromThirtyTwoBytesOn() {
    assertEquals(0xCAFEF00D, WireGuardIndexes.clientReceiver(message(4, 32, 0xCAFEF00D, 0)));
    assertEquals(0xCAFEF00D, WireGuardIndexes.clientReceiver(message(4, 1400, 0xCAFEF00D, 0)));
    assertNull(WireGuardIndexes.clientReceiver(message(4, 31, 0xCAFEF00D, 0)), "shorter than header + tag");
    assertNull(WireGuardIndexes.backendSender(message(4, 64, 1, 0)), "not a handshake");
  }

  @Test
  void otherTypesAndSetReservedBytesAreNoIndex() {
    assertNull(WireGuardIndexes.clientReceiver(message(3, 64, 1, 0)), "a cookie reply");
    assertNull(WireGuardIndexes.clientReceiver(message(5, 64, 1, 0)));
    ByteBuf reserved = message(4, 64, 1, 0);
    reserved.setByte(2, 1);
    assertNull(WireGuardIndexes.clientReceiver(reserved));
    assertNull(WireGuardIndexes.clientReceiver(Unpooled.wrappedBuffer(new byte[] {4, 0, 0})));
    ByteBuf offset = Unpooled.buffer(100).writeBytes(new byte[7]).writeBytes(message(4, 40, 0x01020304, 0));
    offset.skipBytes(7);
    assertEquals(0x01020304, WireGuardIndexes.clientReceiver(offset), "read from the reader index");
  }
}
