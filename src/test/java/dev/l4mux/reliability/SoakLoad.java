package dev.l4mux.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The load behind {@code bench/soak}: starts its own loopback backends, writes an l4mux config for
 * them, waits for the node (started by the script on that config) to be ready, then runs the
 * reliability scenarios mixed together until the duration is over, and prints one line of
 * counters every 10 s. Exit code 0 when no scenario saw a wrong answer or a hung connection.
 *
 * <pre>{@code
 * java -cp TEST_CLASSPATH dev.l4mux.reliability.SoakLoad CONFIG_OUT ADMIN_PORT EDGE_PORT DURATION_SECONDS
 * }</pre>
 *
 * Mix (all at once): rapid connect/close (a third silent, a third mid-ClientHello, a third full
 * requests), slowloris tricklers cut by the sniff timeout, client and backend resets, half-closed
 * requests, requests to an unreachable and to a refusing backend, and a continuous SHA-256-checked
 * bulk stream through the half-close route.
 */
public final class SoakLoad {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final int SO_TIMEOUT_MS = 30_000;
  private static final Map<String, LongAdder> COUNTS = new ConcurrentHashMap<>();
  private static final Map<String, LongAdder> FAILURES = new ConcurrentHashMap<>();
  private static final AtomicBoolean RUNNING = new AtomicBoolean(true);

  private SoakLoad() {}

  public static void main(String[] args) throws Exception {
    Path configOut = Path.of(args[0]);
    int admin = Integer.parseInt(args[1]);
    int edgePort = Integer.parseInt(args[2]);
    long durationMs = Long.parseLong(args[3]) * 1000;

    ServerSocket backend = new ServerSocket(0, 4096, LOOPBACK);
    daemon("backend", () -> serve(backend));
    ServerSocket deadServer = new ServerSocket(0, 1, LOOPBACK); // never accepts: filled below
    List<Socket> fillers = new ArrayList<>();
    while (true) {
      Socket f = new Socket();
      try {
        f.connect(new InetSocketAddress(LOOPBACK, deadServer.getLocalPort()), 200);
        fillers.add(f);
      } catch (SocketTimeoutException full) {
        f.close();
        break;
      }
    }
    int refused;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      refused = s.getLocalPort();
    }
    Files.writeString(configOut, """
        admin: { listen: "127.0.0.1:%d" }
        defaults:
          timeouts: { sniff: 3s, connect: 500ms, idle: 30s, drain: 2s }
        listeners:
          - { name: edge, bind: ["127.0.0.1:%d"], fallback: reject }
        routes:
          - { name: web, match: { host: ["web.test"] }, halfClose: true, backends: [ { address: "127.0.0.1:%d" } ] }
          - { name: tls, match: { sni: ["a.example.com"] }, backends: [ { address: "127.0.0.1:%3$d" } ] }
          - { name: dead, match: { host: ["dead.test"] }, backends: [ { address: "127.0.0.1:%d" } ] }
          - { name: refused, match: { host: ["refused.test"] }, backends: [ { address: "127.0.0.1:%d" } ] }
        """.formatted(admin, edgePort, backend.getLocalPort(), deadServer.getLocalPort(), refused));
    System.out.println("soak-load: config written to " + configOut + "; waiting for 127.0.0.1:" + edgePort);
    long waitUntil = System.currentTimeMillis() + 60_000;
    while (!listening(edgePort)) {
      if (System.currentTimeMillis() > waitUntil) {
        throw new IllegalStateException("l4mux never listened on " + edgePort);
      }
      Thread.sleep(200);
    }
    InetSocketAddress edge = new InetSocketAddress(LOOPBACK, edgePort);
    byte[] hello = Reliability.realClientHello();

    // -Dsoak.only=rapid,reset,... runs some scenarios only (bench/soak --only), to find which one a defect needs.
    List<String> only = List.of(System.getProperty("soak.only", "rapid,reset,halfclose,unavailable,bulk,slowloris").split(","));
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 4 && only.contains("rapid"); t++) {
      long seed = t;
      workers.add(daemon("rapid-" + t, () -> loop("rapid", seed, r -> rapid(edge, hello, r))));
    }
    for (int t = 0; t < 2; t++) {
      long seed = 100 + t;
      if (only.contains("reset")) {
        workers.add(daemon("reset-" + t, () -> loop("reset", seed, r -> reset(edge, r))));
      }
      if (only.contains("halfclose")) {
        workers.add(daemon("halfclose-" + t, () -> loop("halfclose", seed, r -> halfClose(edge, r))));
      }
    }
    if (only.contains("unavailable")) {
      workers.add(daemon("unavailable", () -> loop("unavailable", 200, r -> unavailable(edge, r))));
    }
    if (only.contains("bulk")) {
      workers.add(daemon("bulk", () -> loop("bulk", 300, r -> bulk(edge, r))));
    }
    if (only.contains("slowloris")) {
      workers.add(daemon("slowloris", () -> slowloris(edge, 200)));
    }

    long start = System.currentTimeMillis();
    while (System.currentTimeMillis() - start < durationMs) {
      Thread.sleep(Math.min(10_000, durationMs - (System.currentTimeMillis() - start)));
      System.out.println("soak-load: " + (System.currentTimeMillis() - start) / 1000 + "s ok " + snapshot(COUNTS)
          + " failures " + snapshot(FAILURES));
    }
    RUNNING.set(false);
    for (Thread w : workers) {
      w.join(60_000);
    }
    fillers.forEach(SoakLoad::quietly);
    long failures = FAILURES.values().stream().mapToLong(LongAdder::sum).sum();
    System.out.println("soak-load: done; ok " + snapshot(COUNTS) + " failures " + snapshot(FAILURES));
    System.exit(failures == 0 ? 0 : 1);
  }

  interface Scenario {
    void run(SplittableRandom random) throws Exception;
  }

  private static void loop(String name, long seed, Scenario scenario) {
    SplittableRandom random = new SplittableRandom(seed);
    while (RUNNING.get()) {
      try {
        scenario.run(random);
        COUNTS.computeIfAbsent(name, k -> new LongAdder()).increment();
      } catch (Exception | AssertionError e) {
        FAILURES.computeIfAbsent(name + ":" + e.getClass().getSimpleName(), k -> new LongAdder()).increment();
        if (FAILURES.get(name + ":" + e.getClass().getSimpleName()).sum() <= 3) {
          System.out.println("soak-load: " + name + " failed: " + e);
        }
      }
    }
  }

  private static Socket connect(InetSocketAddress edge) throws IOException {
    Socket s = new Socket();
    s.connect(edge, 10_000);
    s.setSoTimeout(SO_TIMEOUT_MS);
    return s;
  }

  private static void rapid(InetSocketAddress edge, byte[] hello, SplittableRandom r) throws Exception {
    try (Socket s = connect(edge)) {
      switch (r.nextInt(3)) {
        case 0 -> { }
        case 1 -> s.getOutputStream().write(hello, 0, 1 + r.nextInt(hello.length - 1));
        default -> {
          s.getOutputStream().write("GET / HTTP/1.1\r\nHost: web.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          byte[] expected = "Host: web.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII); // the backend echoes the head after the request line
          check(Arrays.equals(expected, s.getInputStream().readNBytes(expected.length)), "echo through the web route");
        }
      }
    }
  }

  private static void reset(InetSocketAddress edge, SplittableRandom r) throws Exception {
    try (Socket s = connect(edge)) {
      OutputStream out = s.getOutputStream();
      boolean backendResets = r.nextBoolean();
      out.write(("GET /" + (backendResets ? "reset-after" : "echo") + " HTTP/1.1\r\nHost: web.test\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      byte[] data = new byte[r.nextInt(1, 200_000)];
      r.nextBytes(data);
      try {
        out.write(data);
        s.getInputStream().readNBytes(r.nextInt(0, 1000));
      } catch (IOException resetByBackend) {
        // expected for backend resets
      }
      s.setSoLinger(true, 0);
    }
  }

  private static void halfClose(InetSocketAddress edge, SplittableRandom r) throws Exception {
    try (Socket s = connect(edge)) {
      int size = r.nextInt(0, 100_000);
      s.getOutputStream().write("GET /answer-after-fin HTTP/1.1\r\nHost: web.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().write(new byte[size]);
      s.shutdownOutput();
      String answer = new String(readToEnd(s.getInputStream()), StandardCharsets.US_ASCII);
      check(answer.equals("received " + size + "\n"), "half-closed request answered in full, got '" + answer + "'");
    }
  }

  private static void unavailable(InetSocketAddress edge, SplittableRandom r) throws Exception {
    try (Socket s = connect(edge)) {
      String host = r.nextBoolean() ? "dead.test" : "refused.test";
      s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String answer = new String(readToEnd(s.getInputStream()), StandardCharsets.US_ASCII);
      check(answer.startsWith("HTTP/1.1 502"), host + " answered " + answer);
    }
    Thread.sleep(50);
  }

  private static void bulk(InetSocketAddress edge, SplittableRandom r) throws Exception {
    long size = 32L * 1024 * 1024;
    try (Socket s = connect(edge)) {
      OutputStream out = s.getOutputStream();
      out.write("GET /sha HTTP/1.1\r\nHost: web.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] block = new byte[256 * 1024];
      r.nextBytes(block);
      for (long left = size; left > 0; ) {
        int n = (int) Math.min(left, 1 + r.nextInt(block.length));
        out.write(block, 0, n);
        sha.update(block, 0, n);
        left -= n;
        if (r.nextInt(64) == 0) {
          Thread.sleep(r.nextInt(1, 20));
        }
      }
      s.shutdownOutput();
      String expected = java.util.HexFormat.of().formatHex(sha.digest());
      String answer = new String(readToEnd(s.getInputStream()), StandardCharsets.US_ASCII).trim();
      check(answer.equals(size + " " + expected), "bulk digest: " + answer);
    }
  }

  /** {@code n} connections trickling one byte every 2 s, reconnecting when the sniff timeout cuts them. */
  private static void slowloris(InetSocketAddress edge, int n) {
    byte[] trickle = "GET /slow HTTP/1.1\r\nHost: web.test\r\n".getBytes(StandardCharsets.US_ASCII);
    List<Socket> open = new ArrayList<>();
    List<Long> since = new ArrayList<>();
    try {
      while (RUNNING.get()) {
        while (open.size() < n) {
          Socket s = connect(edge);
          s.setSoTimeout(1);
          open.add(s);
          since.add(System.nanoTime());
        }
        for (int i = open.size() - 1; i >= 0; i--) {
          Socket s = open.get(i);
          long ageMs = (System.nanoTime() - since.get(i)) / 1_000_000;
          boolean cut;
          try {
            s.getOutputStream().write(trickle[(int) Math.min(trickle.length - 1, ageMs / 2000)]);
            cut = s.getInputStream().read() < 0;
          } catch (SocketTimeoutException stillOpen) {
            cut = false;
          } catch (IOException closed) {
            cut = true;
          }
          if (cut) {
            check(ageMs < 6_000, "slowloris connection lived " + ageMs + " ms");
            COUNTS.computeIfAbsent("slowloris-cut", k -> new LongAdder()).increment();
            quietly(s);
            open.remove(i);
            since.remove(i);
          } else if (ageMs > 10_000) {
            FAILURES.computeIfAbsent("slowloris:not-cut", k -> new LongAdder()).increment();
            quietly(s);
            open.remove(i);
            since.remove(i);
          }
        }
        Thread.sleep(2_000);
      }
    } catch (Exception | AssertionError e) {
      FAILURES.computeIfAbsent("slowloris:" + e.getClass().getSimpleName(), k -> new LongAdder()).increment();
      System.out.println("soak-load: slowloris failed: " + e);
    } finally {
      open.forEach(SoakLoad::quietly);
    }
  }

  /** Backend: the request line's path (or the first line) says what to do. */
  private static void serve(ServerSocket server) {
    while (true) {
      try {
        Socket s = server.accept();
        daemon("backend-conn", () -> handle(s));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private static void handle(Socket s) {
    try (s) {
      s.setSoTimeout(120_000);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      String first = readLine(in);
      if (first.startsWith("GET /")) {
        String path = first.split(" ")[1];
        String head = first + "\n";
        while (true) { // the rest of the head
          String line = readLine(in);
          head += line + "\n";
          if (line.isEmpty() || line.equals("\r")) {
            break;
          }
        }
        switch (path) {
          case "/reset-after" -> {
            in.readNBytes(1000);
            s.setSoLinger(true, 0);
          }
          case "/answer-after-fin" -> {
            long n = in.transferTo(OutputStream.nullOutputStream());
            out.write(("received " + n + "\n").getBytes(StandardCharsets.US_ASCII));
          }
          case "/sha" -> {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            long n = 0;
            for (int r; (r = in.read(buf)) >= 0; ) {
              sha.update(buf, 0, r);
              n += r;
            }
            out.write((n + " " + java.util.HexFormat.of().formatHex(sha.digest()) + "\n").getBytes(StandardCharsets.US_ASCII));
          }
          default -> { // echo: the head (minus the request line) and then everything else
            out.write(head.substring(head.indexOf('\n') + 1).getBytes(StandardCharsets.US_ASCII));
            in.transferTo(out);
          }
        }
      } else {
        in.transferTo(OutputStream.nullOutputStream());
      }
    } catch (Exception resetOrClosed) {
      // scenarios reset on purpose
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
      b.append((char) c);
    }
    return b.toString();
  }

  private static byte[] readToEnd(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException reset) {
      return new byte[0];
    }
  }

  private static void check(boolean condition, String what) {
    if (!condition) {
      throw new AssertionError(what);
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(LOOPBACK, port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String snapshot(Map<String, LongAdder> counts) {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out.toString();
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void quietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // cleanup
    }
  }
}
