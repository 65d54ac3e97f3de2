package dev.l4mux.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.l4mux.testsupport.ExternalProcess;
import dev.l4mux.testsupport.TaggedBackend;
import dev.l4mux.testsupport.TaggedBackends;
import dev.l4mux.testsupport.TempDirs;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Loads the admin dashboard ({@code GET /}) in headless Chromium, with a live relayed connection,
 * and checks from a screenshot and the rendered DOM that it shows the node, the routes and the
 * live connection count.
 *
 * <p>The Chromium part ({@link #assertDashboardShows}) works against any base URL that serves the
 * page and the {@code /api} JSON; {@code -Dl4mux.dashboard.url=http://127.0.0.1:PORT/} runs it
 * against such a server (e.g. a fake one while developing the page).
 */
class DashboardIT {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Duration CHROMIUM_TIMEOUT = Duration.ofSeconds(90);
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  @BeforeAll
  static void needsChromium() {
    boolean present = Files.isExecutable(CHROMIUM);
    if (!present) {
      System.err.println("""

          ************************************************************************
          *  DashboardIT SKIPPED: /usr/bin/chromium is missing.                    *
          *  Install Debian's chromium (apt-get install -y chromium) to run it.   *
          ************************************************************************
          """);
    }
    Assumptions.assumeTrue(present, "DashboardIT needs /usr/bin/chromium (Debian package chromium)");
  }

  @Test
  void showsNodesRoutesAndALiveConnection() throws Exception {
    Vertx backends = Vertx.vertx();
    try {
      TaggedBackend echo = TaggedBackends.tcpEcho(backends, "echo").await(10, TimeUnit.SECONDS);
      TaggedBackend spare = TaggedBackends.tcpEcho(backends, "spare").await(10, TimeUnit.SECONDS);
      try (L4muxTestNode node = L4muxTestNode.start("""
          admin: { listen: "127.0.0.1:0" }
          listeners:
            - name: edge
              bind: ["127.0.0.1:0"]
            - name: side
              bind: ["127.0.0.1:0"]
          routes:
            - name: echo-route
              listeners: [edge]
              backends: [ { address: "127.0.0.1:%d" } ]
            - name: spare-route
              listeners: [side]
              backends: [ { address: "127.0.0.1:%d", weight: 2 } ]
          """.formatted(echo.port(), spare.port()));
          Socket client = new Socket()) {
        // One live, relayed connection: a raw socket through the catch-all listener to the echo backend.
        client.connect(new InetSocketAddress("127.0.0.1", node.port("edge")), 5000);
        client.setSoTimeout(10_000);
        byte[] hello = "hello dashboard\n".getBytes(StandardCharsets.US_ASCII);
        OutputStream out = client.getOutputStream();
        out.write(hello);
        out.flush();
        assertEquals(new String(hello, StandardCharsets.US_ASCII), new String(readExactly(client.getInputStream(), hello.length), StandardCharsets.US_ASCII));

        String base = "http://127.0.0.1:" + node.adminPort() + "/";
        awaitOpenConnections(base, 1, Duration.ofSeconds(10));

        HttpResponse<String> page = get(base);
        assertEquals(200, page.statusCode(), () -> "GET / on the admin server: " + page.statusCode() + " " + page.body());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), () -> "GET / content type: " + page.headers());

        Rendered rendered = assertDashboardShows(base, 1, "real-node");
        String ownName = node.state().nodeName();
        assertTrue(section(rendered.dom(), "nodes").contains(html(ownName)),
            () -> "#nodes does not show this node's name " + ownName + ":\n" + section(rendered.dom(), "nodes"));
        assertTrue(section(rendered.dom(), "connections").contains("echo-route"),
            () -> "#connections does not show the connection's route:\n" + section(rendered.dom(), "connections"));
      }
    } finally {
      backends.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void takesTheTokenFromTheUrlAndShowsA401Otherwise() throws Exception {
    try (L4muxTestNode node = L4muxTestNode.start("""
        admin: { listen: "127.0.0.1:0", token: "dash-s3cret" }
        listeners:
          - name: edge
            bind: ["127.0.0.1:0"]
        routes:
          - name: guarded-route
            backends: [ { address: "127.0.0.1:9" } ]
        """)) {
      String base = "http://127.0.0.1:" + node.adminPort() + "/";

      String denied = dumpDom(base);
      String banner = errorBanner(denied);
      assertTrue(banner != null && banner.contains("401"), () -> "no 401 banner without the token:\n" + denied);
      assertFalse(section(denied, "routes").contains("guarded-route"), "routes shown without the token");

      String allowed = dumpDom(base + "?token=dash-s3cret");
      assertEquals(null, errorBanner(allowed), "error banner with the token");
      assertTrue(section(allowed, "routes").contains("guarded-route"), () -> "#routes with the token:\n" + section(allowed, "routes"));
      assertTrue(section(allowed, "nodes").contains(html(node.state().nodeName())), () -> "#nodes with the token:\n" + section(allowed, "nodes"));
    }
  }

  /** Development hook: {@code -Dl4mux.dashboard.url=...} points the Chromium checks at any server. */
  @Test
  @EnabledIfSystemProperty(named = "l4mux.dashboard.url", matches = ".+")
  void showsWhatAnyServerReports() throws Exception {
    String base = System.getProperty("l4mux.dashboard.url");
    JsonArray connections = new JsonObject(get(base + "api/connections").body()).getJsonArray("connections", new JsonArray());
    long live = connections.stream().filter(c -> c instanceof JsonObject).count();
    assertDashboardShows(base, live, "external");
  }

  /** What Chromium produced for one page. */
  record Rendered(Path screenshot, String dom) {}

  /**
   * Renders {@code baseUrl} in headless Chromium (a screenshot and a DOM dump, each after 6 s of
   * virtual time so the page has polled the API a few times) and checks that it shows every node
   * and route the API reports and {@code connections} open connections, with no error banner.
   *
   * @param baseUrl the admin server's root, ending in {@code /}
   * @param label names the screenshot file under {@code target/dashboard-it/}
   */
  static Rendered assertDashboardShows(String baseUrl, long connections, String label) throws Exception {
    List<String> nodeNames = new ArrayList<>();
    new JsonObject(get(baseUrl + "api/cluster").body()).getJsonArray("nodes", new JsonArray()).forEach(n -> {
      if (n instanceof JsonObject o && o.getString("name") != null) {
        nodeNames.add(o.getString("name"));
      }
    });
    List<String> routeNames = new ArrayList<>();
    new JsonObject(get(baseUrl + "api/routes").body()).getJsonArray("routes", new JsonArray()).forEach(r -> {
      if (r instanceof JsonObject o && o.getString("name") != null) {
        routeNames.add(o.getString("name"));
      }
    });
    assertFalse(nodeNames.isEmpty(), "/api/cluster names no node");
    assertFalse(routeNames.isEmpty(), "/api/routes names no route");

    Path png = screenshotDir().resolve("dashboard-" + label + ".png");
    screenshot(baseUrl, png);
    System.out.println("DashboardIT: screenshot of " + baseUrl + " -> " + png.toAbsolutePath());
    byte[] image = Files.readAllBytes(png);
    assertTrue(image.length > 10 * 1024, () -> "screenshot " + png + " is implausibly small: " + image.length + " bytes");
    assertTrue(Arrays.equals(PNG_SIGNATURE, Arrays.copyOf(image, PNG_SIGNATURE.length)), () -> png + " is not a PNG");
    // IHDR: width and height, big-endian, at offsets 16 and 20.
    assertEquals(1280, ByteBuffer.wrap(image, 16, 4).getInt(), "screenshot width");
    assertEquals(1000, ByteBuffer.wrap(image, 20, 4).getInt(), "screenshot height");

    String dom = dumpDom(baseUrl);
    String banner = errorBanner(dom);
    assertEquals(null, banner, "the dashboard shows an error banner");
    String nodes = section(dom, "nodes");
    for (String name : nodeNames) {
      assertTrue(nodes.contains(html(name)), () -> "#nodes does not show node " + name + ":\n" + nodes);
    }
    String routes = section(dom, "routes");
    for (String name : routeNames) {
      assertTrue(routes.contains(html(name)), () -> "#routes does not show route " + name + ":\n" + routes);
    }
    Matcher count = Pattern.compile("<[^>]*\\bid=\"connections-count\"[^>]*>([^<]*)<").matcher(dom);
    assertTrue(count.find(), () -> "no #connections-count in the DOM:\n" + dom);
    assertEquals(Long.toString(connections), count.group(1).trim(), "#connections-count");
    Matcher version = Pattern.compile("<[^>]*\\bid=\"config-version\"[^>]*>([^<]*)<").matcher(dom);
    assertTrue(version.find() && version.group(1).trim().matches("\\d+"), () -> "#config-version shows no version:\n" + dom);
    return new Rendered(png, dom);
  }

  /** Runs headless Chromium to write a 1280x1000 screenshot of {@code url} to {@code png}. */
  static void screenshot(String url, Path png) throws IOException {
    Files.deleteIfExists(png);
    ExternalProcess.Result result = chromium(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=1280,1000"), url);
    assertTrue(Files.isRegularFile(png), () -> "chromium wrote no screenshot " + png + ": " + result);
  }

  /** Runs headless Chromium and returns the DOM of {@code url} as rendered after the virtual-time budget. */
  static String dumpDom(String url) {
    ExternalProcess.Result result = chromium(List.of("--dump-dom"), url);
    assertTrue(result.stdout().contains("</html>"), () -> "chromium dumped no DOM: " + result);
    return result.stdout();
  }

  private static ExternalProcess.Result chromium(List<String> extra, String url) {
    Path profile = TempDirs.create("l4mux-chromium");
    List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(),
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--virtual-time-budget=6000"));
    command.addAll(extra);
    command.add(url);
    try (ExternalProcess chromium = ExternalProcess.start(command, new byte[0], CHROMIUM_TIMEOUT.plusSeconds(10))) {
      ExternalProcess.Result result = chromium.await(CHROMIUM_TIMEOUT);
      assertEquals(0, result.exitCode(), () -> "chromium failed: " + result);
      return result;
    } finally {
      TempDirs.delete(profile);
    }
  }

  /** The text of the {@code #error} banner, or null when it is hidden. */
  private static String errorBanner(String dom) {
    Matcher error = Pattern.compile("<div id=\"error\"([^>]*)>(.*?)</div>", Pattern.DOTALL).matcher(dom);
    assertTrue(error.find(), () -> "no #error element in the DOM:\n" + dom);
    return error.group(1).contains("hidden") ? null : error.group(2);
  }

  /** The inner HTML of the element with {@code id}, up to the next section (good enough for contains checks). */
  private static String section(String dom, String id) {
    int start = dom.indexOf("id=\"" + id + "\"");
    assertTrue(start >= 0, () -> "no #" + id + " in the DOM:\n" + dom);
    int end = dom.indexOf("</section>", start);
    return dom.substring(start, end < 0 ? dom.length() : end);
  }

  private static String html(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static Path screenshotDir() throws IOException {
    String project = System.getProperty("l4mux.projectDir");
    Path dir = (project != null ? Path.of(project, "target") : Path.of("target")).resolve("dashboard-it");
    return Files.createDirectories(dir);
  }

  private static void awaitOpenConnections(String base, int expected, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get(base + "api/connections");
      last = r.statusCode() + " " + r.body();
      if (r.statusCode() == 200) {
        JsonArray list = new JsonObject(r.body()).getJsonArray("connections", new JsonArray());
        if (list.size() == expected && list.stream().allMatch(c -> c instanceof JsonObject o && o.getString("backend") != null)) {
          return;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("expected " + expected + " relayed connections; /api/connections: " + last);
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] readExactly(InputStream in, int n) throws IOException {
    byte[] buf = in.readNBytes(n);
    if (buf.length != n) {
      throw new IOException("connection closed after " + buf.length + " of " + n + " bytes");
    }
    return buf;
  }
}
