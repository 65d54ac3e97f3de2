package dev.l4mux.packaging;

import static dev.l4mux.packaging.Yamls.at;
import static dev.l4mux.packaging.Yamls.mapAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.config.BackendConfig;
import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.config.L4muxConfig;
import dev.l4mux.testsupport.ExternalProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docker/ checked without a Docker engine (DockerImageIT, in the docker profile, builds and runs
 * the image): the Dockerfile's stages, user, health check and files; compose.yaml's three nodes
 * clustered by service name; the image's configuration valid and naming the compose backends.
 */
class DockerFilesTest {

  private static final Path DOCKERFILE = Path.of("docker/Dockerfile");

  @Test
  void dockerfileHasTheBuildStageThePrebuiltTargetAndASafeRuntime() throws IOException {
    String file = Files.readString(DOCKERFILE);
    List<String> froms = file.lines().filter(l -> l.startsWith("FROM ")).toList();
    assertEquals(List.of("FROM ${RUNTIME_IMAGE} AS runtime", "FROM runtime AS prebuilt", "FROM ${BUILD_IMAGE} AS build",
        "FROM runtime AS image"), froms, "stage order: the prebuilt target must not need the Maven stage");
    assertTrue(file.contains("ARG BUILD_IMAGE=") && file.contains("ARG RUNTIME_IMAGE="), "base images are build arguments");
    assertTrue(file.lines().anyMatch(l -> l.matches("USER \\$\\{L4MUX_UID}:\\$\\{L4MUX_UID}")), "runs as the l4mux user");
    assertTrue(file.contains("ARG L4MUX_UID=10001"));
    assertTrue(file.contains("HEALTHCHECK") && file.contains("/opt/l4mux/healthcheck.sh"));
    assertTrue(file.contains("L4MUX_CONFIG=/etc/l4mux/l4mux.yaml"));
    assertTrue(file.contains("-XX:MaxRAMPercentage="));
    assertTrue(file.lines().anyMatch(l -> l.startsWith("EXPOSE ") && l.contains("9900")));
    assertTrue(Files.readString(Path.of("docker/healthcheck.sh")).contains("GET /ready"));
    // Every file the Dockerfile copies from the context exists (and is not kept out by .dockerignore).
    Matcher copies = Pattern.compile("(?m)^COPY (?!--from)(?:--chown=\\S+ )?(.+) (\\S+)$").matcher(file);
    int count = 0;
    while (copies.find()) {
      for (String source : copies.group(1).split(" ")) {
        count++;
        if (!source.equals("target/l4mux.jar")) {
          assertTrue(Files.exists(Path.of(source)), "COPY source missing: " + source);
        }
      }
    }
    assertTrue(count >= 8, "COPY sources found: " + count);
    String ignore = Files.readString(Path.of(".dockerignore"));
    assertTrue(ignore.contains("target/*") && ignore.contains("!target/l4mux.jar"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void composeClustersThreeNodesByServiceName() throws IOException {
    Map<String, Object> compose = Yamls.document(Path.of("docker/compose.yaml"));
    Map<String, Object> services = mapAt(compose, "services");
    assertEquals(Set.of("l4mux-1", "l4mux-2", "l4mux-3", "http-echo", "tls-backend"), services.keySet());
    Set<String> ports = new TreeSet<>();
    for (String node : List.of("l4mux-1", "l4mux-2", "l4mux-3")) {
      Map<String, Object> service = mapAt(services, node);
      Map<String, Object> env = mapAt(service, "environment");
      assertEquals("l4mux-1,l4mux-2,l4mux-3", env.get("L4MUX_CLUSTER_MEMBERS"));
      assertEquals(node, env.get("L4MUX_CLUSTER_HOST"), "the event bus listens on the node's own service name");
      assertEquals(node, env.get("L4MUX_NODE_NAME"));
      assertEquals("/etc/l4mux/cluster/cluster-lan.xml", env.get("L4MUX_CLUSTER_CONFIG"));
      assertEquals("0.0.0.0:9900", env.get("L4MUX_ADMIN_LISTEN"));
      assertTrue(String.valueOf(env.get("L4MUX_ADMIN_TOKEN")).startsWith("${L4MUX_ADMIN_TOKEN:?"), "the token is the operator's");
      assertEquals(List.of("-cluster"), at(service, "command"));
      assertEquals("docker/Dockerfile", at(service, "build.dockerfile"));
      assertTrue(((List<String>) at(service, "volumes")).contains("./l4mux.yaml:/etc/l4mux/l4mux.yaml:ro"));
      for (String port : (List<String>) at(service, "ports")) {
        assertTrue(port.startsWith("127.0.0.1:"), "published on loopback only: " + port);
        assertTrue(ports.add(port.split(":")[1]), "host port published twice: " + port);
      }
    }
    assertTrue(Files.readString(Path.of("docker/Dockerfile")).contains("cluster/cluster-lan.xml"), "the image carries the LAN file");
  }

  @Test
  void theImagesConfigurationIsValidAndNamesTheComposeBackends() throws IOException {
    L4muxConfig config = ConfigParser.parse(ConfigFiles.read(Path.of("docker/l4mux.yaml")));
    Set<String> backendHosts = new TreeSet<>();
    config.routes().forEach(route -> route.backends().stream().map(BackendConfig::address).forEach(a -> backendHosts.add(a.host())));
    assertEquals(Set.of("http-echo", "tls-backend"), backendHosts);
    assertEquals("127.0.0.1", config.admin().listen().host(), "the image's admin server is private unless published with a token");
    Map<String, Object> compose = Yamls.document(Path.of("docker/compose.yaml"));
    assertTrue(mapAt(compose, "services").keySet().containsAll(backendHosts));
  }

  @Test
  void composeFileIsWhatDockerComposeAccepts() {
    ExternalProcess.Result r = ExternalProcess.run(
        List.of("env", "L4MUX_ADMIN_TOKEN=t", "docker-compose", "-f", "docker/compose.yaml", "config", "-q"), new byte[0], Duration.ofSeconds(60));
    assertEquals(0, r.exitCode(), "docker-compose config (Debian package docker-compose, installed by .ci/run):\n" + r.stdout() + r.stderr());
  }
}
