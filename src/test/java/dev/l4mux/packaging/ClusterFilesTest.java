package dev.l4mux.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.XmlConfigBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Hazelcast files in cluster/ load with Hazelcast's own loader, the way vertx-hazelcast loads
 * them ({@code new XmlConfigBuilder(stream).build()}, which validates against Hazelcast's schema
 * and replaces {@code ${...}} from system properties), and join as documented.
 */
class ClusterFilesTest {

  @Test
  void loopbackFileJoinsThreeLocalMembers() throws IOException {
    JoinConfig join = load("cluster/cluster.xml").getNetworkConfig().getJoin();
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertFalse(join.getMulticastConfig().isEnabled());
    assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702", "127.0.0.1:5703"), join.getTcpIpConfig().getMembers());
  }

  @Test
  void lanFileTakesItsMembersFromTheProperty() throws IOException {
    String before = System.getProperty("l4mux.cluster.members");
    System.setProperty("l4mux.cluster.members", "l4mux-1,l4mux-2:5702, 10.0.0.3");
    try {
      Config config = load("cluster/cluster-lan.xml");
      JoinConfig join = config.getNetworkConfig().getJoin();
      assertTrue(join.getTcpIpConfig().isEnabled());
      assertFalse(join.getMulticastConfig().isEnabled());
      assertFalse(join.getAutoDetectionConfig().isEnabled());
      assertEquals(List.of("l4mux-1", "l4mux-2:5702", "10.0.0.3"), join.getTcpIpConfig().getMembers());
      assertFalse(config.getNetworkConfig().getInterfaces().isEnabled(), "a LAN node must not be pinned to loopback");
      assertEquals("false", config.getProperty("hazelcast.shutdownhook.enabled"), "SIGTERM drains before the node leaves");
    } finally {
      if (before == null) {
        System.clearProperty("l4mux.cluster.members");
      } else {
        System.setProperty("l4mux.cluster.members", before);
      }
    }
  }

  @Test
  void kubernetesFileUsesKubernetesDiscoveryOfTheHeadlessService() throws IOException {
    Config config = load("cluster/cluster-kubernetes.xml");
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertTrue(join.getKubernetesConfig().isEnabled());
    assertEquals("l4mux-hazelcast", join.getKubernetesConfig().getProperty("service-name"));
    assertEquals("5701", join.getKubernetesConfig().getProperty("service-port"));
    assertFalse(join.getTcpIpConfig().isEnabled());
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getAutoDetectionConfig().isEnabled());
    assertEquals(5701, config.getNetworkConfig().getPort());
    assertEquals("false", config.getProperty("hazelcast.shutdownhook.enabled"));
  }

  @Test
  void everyFileSharesTheClusterNameAndL4muxMaps() throws IOException {
    for (String file : List.of("cluster/cluster.xml", "cluster/cluster-lan.xml", "cluster/cluster-kubernetes.xml")) {
      System.setProperty("l4mux.cluster.members", "127.0.0.1");
      try {
        Config config = load(file);
        assertEquals("l4mux", config.getClusterName(), file);
        assertEquals(2, config.getMapConfig("l4mux.config").getBackupCount(), file);
        assertEquals("false", config.getProperty("hazelcast.phone.home.enabled"), file);
      } finally {
        System.clearProperty("l4mux.cluster.members");
      }
    }
  }

  private static Config load(String file) throws IOException {
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      return new XmlConfigBuilder(in).build();
    }
  }
}
