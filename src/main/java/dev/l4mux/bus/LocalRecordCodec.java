package dev.l4mux.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Passes an immutable record between verticles of one node by reference. Such messages never leave
 * the node (they are sent with {@code localOnly}), so there is no wire format.
 */
public final class LocalRecordCodec<T> implements MessageCodec<T, T> {

  private static final Set<Vertx> REGISTERED = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

  private final Class<T> type;

  private LocalRecordCodec(Class<T> type) {
    this.type = type;
  }

  /** Registers the local codecs for all of l4mux's record messages, once per Vert.x instance. */
  public static void registerAll(Vertx vertx, Class<?>... types) {
    if (!REGISTERED.add(vertx)) {
      return;
    }
    for (Class<?> type : types) {
      register(vertx, type);
    }
  }

  private static <T> void register(Vertx vertx, Class<T> type) {
    vertx.eventBus().registerDefaultCodec(type, new LocalRecordCodec<>(type));
  }

  @Override
  public void encodeToWire(Buffer buffer, T message) {
    throw new UnsupportedOperationException(type.getSimpleName() + " is a node-local message");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(type.getSimpleName() + " is a node-local message");
  }

  @Override
  public T transform(T message) {
    return message; // immutable record: safe to share
  }

  @Override
  public String name() {
    return "l4mux-local-" + type.getName();
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
