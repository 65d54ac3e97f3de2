package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.ExternalProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** cluster/cluster-lan.xml takes its members from L4MUX_CLUSTER_MEMBERS: without it the start stops at once, saying so. */
class ClusterMembersIT {

  @Test
  void lanFileWithoutMembersStopsTheStartNamingTheVariable() {
    Path lan = Path.of(System.getProperty("l4mux.projectDir"), "cluster", "cluster-lan.xml");
    ExternalProcess.Result r = ExternalProcess.run(List.of("env", "-u", "L4MUX_CLUSTER_MEMBERS", "L4MUX_CLUSTER_CONFIG=" + lan,
        JarNode.javaBinary(), "-jar", JarNode.jar().toString(), "-cluster", "-conf", "{}"), new byte[0], Duration.ofSeconds(60));

    assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
    assertTrue(r.stderr().contains("l4mux: L4MUX_CLUSTER_MEMBERS: not set, but " + lan + " takes its member list from it"), r.stderr());
  }
}
