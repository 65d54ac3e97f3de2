package dev.l4mux.packaging;

import static dev.l4mux.packaging.Yamls.at;
import static dev.l4mux.packaging.Yamls.listAt;
import static dev.l4mux.packaging.Yamls.mapAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import dev.l4mux.config.ConfigFiles;
import dev.l4mux.config.ConfigParser;
import dev.l4mux.config.L4muxConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * cluster/kubernetes/: well-formed manifests with the fields Kubernetes requires, and references
 * that hold together (what kubectl would only find out on a cluster): the pods' labels match every
 * selector, named ports exist, the ServiceAccount and Role are bound, the ConfigMap's files are
 * what the Deployment mounts and loads, the Hazelcast file in it is cluster-kubernetes.xml and
 * names the headless Service, and its l4mux.yaml is a valid configuration.
 */
class KubernetesManifestsTest {

  private static final Path DIR = Path.of("cluster/kubernetes");
  private static final Map<String, Map<String, Object>> byKind = new HashMap<>();
  private static final Map<String, Map<String, Object>> services = new HashMap<>();

  @BeforeAll
  static void load() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(DIR)) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(files.size() >= 5, "manifests: " + files);
    for (Path file : files) {
      for (Map<String, Object> doc : Yamls.documents(file)) {
        String kind = (String) at(doc, "kind");
        assertNotNull(at(doc, "apiVersion"), file + ": apiVersion");
        String name = (String) at(doc, "metadata.name");
        assertTrue(name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), file + ": not a DNS-1123 name: " + name);
        if (kind.equals("Service")) {
          services.put(name, doc);
        } else {
          assertTrue(byKind.put(kind, doc) == null, "two " + kind + " manifests");
        }
      }
    }
  }

  @Test
  void everyKindIsThere() {
    assertEquals(
        List.of("ConfigMap", "Deployment", "PodDisruptionBudget", "Role", "RoleBinding", "ServiceAccount"),
        byKind.keySet().stream().sorted().toList());
    assertEquals(List.of("l4mux", "l4mux-hazelcast"), services.keySet().stream().sorted().toList());
    assertEquals("apps/v1", at(byKind.get("Deployment"), "apiVersion"));
    assertEquals("policy/v1", at(byKind.get("PodDisruptionBudget"), "apiVersion"));
  }

  @Test
  void selectorsMatchThePodsAndNamedPortsExist() {
    Map<String, Object> deployment = byKind.get("Deployment");
    Map<String, Object> podLabels = mapAt(deployment, "spec.template.metadata.labels");
    assertEquals(mapAt(deployment, "spec.selector.matchLabels"), podLabels);
    assertEquals(mapAt(byKind.get("PodDisruptionBudget"), "spec.selector.matchLabels"), podLabels);
    Map<String, Object> container = container();
    List<String> portNames = listAt(container, "ports").stream().map(p -> (String) p.get("name")).toList();
    for (Map<String, Object> service : services.values()) {
      assertTrue(podLabels.entrySet().containsAll(mapAt(service, "spec.selector").entrySet()), "selector of " + service);
      for (Map<String, Object> port : listAt(service, "spec.ports")) {
        assertTrue(portNames.contains(port.get("targetPort")), "service port " + port + " targets no container port " + portNames);
      }
    }
    Map<String, Object> headless = services.get("l4mux-hazelcast");
    assertEquals("None", at(headless, "spec.clusterIP"));
    assertEquals(Boolean.TRUE, at(headless, "spec.publishNotReadyAddresses"), "pods join the cluster before they are ready");
    assertTrue(((Integer) at(byKind.get("PodDisruptionBudget"), "spec.minAvailable")) < (Integer) at(deployment, "spec.replicas"));
  }

  @Test
  void probesAskReadyAndHealthOnTheAdminPort() {
    Map<String, Object> container = container();
    assertEquals("/ready", at(container, "readinessProbe.httpGet.path"));
    assertEquals("admin", at(container, "readinessProbe.httpGet.port"));
    assertEquals("/health", at(container, "livenessProbe.httpGet.path"));
    assertEquals("admin", at(container, "livenessProbe.httpGet.port"));
    Map<String, String> env = env(container);
    assertEquals("0.0.0.0:9900", env.get("L4MUX_ADMIN_LISTEN"));
    assertTrue(listAt(container, "ports").stream().anyMatch(p -> "admin".equals(p.get("name")) && Integer.valueOf(9900).equals(p.get("containerPort"))));
    // The drain (30 s) fits in the grace period.
    assertTrue((Integer) at(byKind.get("Deployment"), "spec.template.spec.terminationGracePeriodSeconds") > 30);
  }

  @Test
  void discoveryIsBoundToTheServiceAccountAndMayListEndpoints() {
    Map<String, Object> deployment = byKind.get("Deployment");
    String account = (String) at(deployment, "spec.template.spec.serviceAccountName");
    assertEquals(account, at(byKind.get("ServiceAccount"), "metadata.name"));
    Map<String, Object> binding = byKind.get("RoleBinding");
    assertEquals(at(byKind.get("Role"), "metadata.name"), at(binding, "roleRef.name"));
    assertEquals("Role", at(binding, "roleRef.kind"));
    assertTrue(listAt(binding, "subjects").stream().anyMatch(s -> "ServiceAccount".equals(s.get("kind")) && account.equals(s.get("name"))));
    boolean endpoints = listAt(byKind.get("Role"), "rules").stream().anyMatch(rule ->
        ((List<?>) rule.get("resources")).contains("endpoints") && ((List<?>) rule.get("verbs")).containsAll(List.of("get", "list")));
    assertTrue(endpoints, "Hazelcast's Kubernetes discovery lists the Service's endpoints");
  }

  @Test
  void configMapCarriesTheClusterFileAndAValidConfiguration() throws IOException {
    Map<String, Object> data = mapAt(byKind.get("ConfigMap"), "data");
    String xml = (String) data.get("cluster.xml");
    assertEquals(Files.readString(Path.of("cluster/cluster-kubernetes.xml")), xml, "the ConfigMap's cluster.xml is a copy of cluster/cluster-kubernetes.xml");
    Config hazelcast = new XmlConfigBuilder(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).build();
    assertEquals("l4mux-hazelcast", hazelcast.getNetworkConfig().getJoin().getKubernetesConfig().getProperty("service-name"),
        "Hazelcast discovers the headless Service");

    L4muxConfig config = ConfigParser.parse(ConfigFiles.parseText((String) data.get("l4mux.yaml")));
    assertEquals(8443, config.listeners().get(0).bind().get(0).firstPort());

    Map<String, Object> container = container();
    Map<String, String> env = env(container);
    Map<String, Object> mount = listAt(container, "volumeMounts").stream().filter(m -> "config".equals(m.get("name"))).findFirst().orElseThrow();
    Map<String, Object> volume = listAt(byKind.get("Deployment"), "spec.template.spec.volumes").stream()
        .filter(v -> "config".equals(v.get("name"))).findFirst().orElseThrow();
    assertEquals(at(byKind.get("ConfigMap"), "metadata.name"), at(volume, "configMap.name"));
    Map<String, String> mounted = listAt(volume, "configMap.items").stream()
        .collect(Collectors.toMap(i -> (String) i.get("key"), i -> mount.get("mountPath") + "/" + i.get("path")));
    assertTrue(data.keySet().containsAll(mounted.keySet()), "mounted keys " + mounted.keySet() + " not all in the ConfigMap");
    assertEquals(mounted.get("l4mux.yaml"), env.get("L4MUX_CONFIG"));
    assertEquals(mounted.get("cluster.xml"), env.get("L4MUX_CLUSTER_CONFIG"));
    assertEquals(List.of("-cluster"), at(container, "args"));
    assertEquals("status.podIP", ((Map<?, ?>) ((Map<?, ?>) envEntry(container, "L4MUX_CLUSTER_HOST").get("valueFrom")).get("fieldRef")).get("fieldPath"));
  }

  @Test
  void theContainerRunsAsTheImagesNonRootUser() {
    Map<String, Object> pod = mapAt(byKind.get("Deployment"), "spec.template.spec");
    assertEquals(Boolean.TRUE, at(pod, "securityContext.runAsNonRoot"));
    assertEquals(10001, at(pod, "securityContext.runAsUser"), "the uid of docker/Dockerfile's l4mux user");
    Map<String, Object> container = container();
    assertEquals(Boolean.FALSE, at(container, "securityContext.allowPrivilegeEscalation"));
    assertEquals(List.of("ALL"), at(container, "securityContext.capabilities.drop"));
  }

  private static Map<String, Object> container() {
    List<Map<String, Object>> containers = listAt(byKind.get("Deployment"), "spec.template.spec.containers");
    assertEquals(1, containers.size());
    return containers.get(0);
  }

  private static Map<String, Object> envEntry(Map<String, Object> container, String name) {
    return listAt(container, "env").stream().filter(e -> name.equals(e.get("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no env " + name));
  }

  private static Map<String, String> env(Map<String, Object> container) {
    Map<String, String> values = new HashMap<>();
    listAt(container, "env").forEach(e -> {
      if (e.get("value") != null) {
        values.put((String) e.get("name"), String.valueOf(e.get("value")));
      }
    });
    return values;
  }
}
