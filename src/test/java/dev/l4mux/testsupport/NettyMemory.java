package dev.l4mux.testsupport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;

/**
 * Memory held by Netty's default allocator, which the relayed channels of an in-JVM test node use
 * ({@code relay.Sockets}): what the proxy itself buffers, whatever the kernel holds besides.
 */
public final class NettyMemory {

  private NettyMemory() {}

  /** Direct plus heap bytes the default allocator has taken (its chunks, in use or cached). */
  public static long used() {
    ByteBufAllocatorMetric metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
    return metric.usedDirectMemory() + metric.usedHeapMemory();
  }
}
