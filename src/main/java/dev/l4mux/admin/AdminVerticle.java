package dev.l4mux.admin;

import dev.l4mux.NodeState;
import dev.l4mux.config.AdminConfig;
import dev.l4mux.relay.ProxiedConnection;
import dev.l4mux.route.Backend;
import dev.l4mux.route.RouteTable;
import dev.l4mux.tls.CertificatesView;
import dev.l4mux.tls.TlsEngine;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Comparator;

/**
 * The admin HTTP server (CONTRACT section 4): health, readiness, Prometheus metrics, and the
 * {@code /api} resources, which need {@code Authorization: Bearer <token>} when a token is set.
 */
public final class AdminVerticle extends VerticleBase {

  private final AdminConfig config;
  private final NodeState state;
  private final NodeControl control;
  private HttpServer server;

  public AdminVerticle(AdminConfig config, NodeState state, NodeControl control) {
    this.config = config;
    this.state = state;
    this.control = control;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.listen().host()).setPort(config.listen().port()));
    return server.requestHandler(this::handle).listen()
        .recover(e -> Future.failedFuture(new IllegalStateException(
            "admin: cannot listen on " + config.listen() + ": " + e.getMessage(), e)));
  }

  /**
   * On shutdown the admin server stays up while the listeners drain, so {@code /ready} answers 503
   * and {@code /metrics} can be scraped until the last connection is gone.
   */
  @Override
  public Future<?> stop() {
    state.startDraining();
    int open = state.connections().size();
    if (open > 0) {
      dev.l4mux.observe.NodeLog.info("draining " + open + " open connections (at most " + state.drainLimit() + ")");
    }
    return state.awaitDrained(vertx, state.drainLimit())
        .onComplete(v -> dev.l4mux.observe.NodeLog.info("drained; " + state.connections().size() + " connections left"))
        .compose(v -> server.close());
  }

  public int actualPort() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest request) {
    String path = request.path();
    HttpMethod method = request.method();
    try {
      if ((path.equals("/") || path.equals("/index.html")) && method == HttpMethod.GET) {
        dashboard(request);
      } else if (path.equals("/health") && method == HttpMethod.GET) {
        json(request, 200, new JsonObject().put("status", "UP").put("version", dev.l4mux.L4muxVersion.current()));
      } else if (path.equals("/ready") && method == HttpMethod.GET) {
        boolean ready = state.isReady();
        json(request, ready ? 200 : 503,
            new JsonObject().put("status", ready ? "READY" : state.isDraining() ? "DRAINING" : "STARTING"));
      } else if (path.equals("/metrics") && method == HttpMethod.GET) {
        request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(state.metrics().scrape());
      } else if (path.startsWith("/api/")) {
        if (!authorized(request)) {
          request.response().putHeader("WWW-Authenticate", "Bearer realm=\"l4mux\"");
          json(request, 401, error("missing or wrong bearer token"));
        } else {
          api(request, path.substring("/api".length()), method);
        }
      } else {
        json(request, 404, error("no such resource: " + path));
      }
    } catch (RuntimeException e) {
      json(request, 500, error(e.toString()));
    }
  }

  private void api(HttpServerRequest request, String path, HttpMethod method) {
    if (path.equals("/config") && method == HttpMethod.GET) {
      RouteTable table = state.routeTable();
      json(request, 200, new JsonObject()
          .put("version", state.configVersion().number())
          .put("versionNode", state.configVersion().node())
          .put("config", table.config().source()));
    } else if (path.equals("/config") && method == HttpMethod.PUT) {
      request.body()
          .compose(control::putConfig)
          .onSuccess(reply -> json(request, 200, reply))
          .onFailure(e -> {
            if (e instanceof dev.l4mux.config.ConfigException invalid) {
              JsonArray errors = new JsonArray();
              invalid.errors().forEach(err -> errors.add(new JsonObject().put("path", err.path()).put("message", err.message())));
              json(request, 400, new JsonObject().put("errors", errors));
            } else {
              json(request, 500, error(String.valueOf(e.getMessage())));
            }
          });
    } else if (path.equals("/connections") && method == HttpMethod.GET) {
      JsonArray list = new JsonArray();
      state.connections().all().stream()
          .map(ProxiedConnection::snapshot)
          .sorted(Comparator.comparingLong(s -> s.id()))
          .forEach(s -> list.add(s.toJson()));
      json(request, 200, new JsonObject().put("connections", list));
    } else if (path.equals("/flows") && method == HttpMethod.GET) {
      json(request, 200, new JsonObject().put("flows", state.udpFlows().toJson()));
    } else if (path.startsWith("/connections/") && method == HttpMethod.DELETE) {
      long id;
      try {
        id = Long.parseLong(path.substring("/connections/".length()));
      } catch (NumberFormatException e) {
        json(request, 400, error("connection id must be a number"));
        return;
      }
      state.connections().get(id).ifPresentOrElse(
          c -> {
            c.closeFromAnyThread("admin");
            json(request, 200, new JsonObject().put("closed", id));
          },
          () -> json(request, 404, error("no open connection " + id)));
    } else if (path.equals("/cluster") && method == HttpMethod.GET) {
      control.clusterView()
          .onSuccess(view -> json(request, 200, view
              .put("l4muxVersion", dev.l4mux.L4muxVersion.current())
              .put("version", state.configVersion().number())
              .put("versionNode", state.configVersion().node())))
          .onFailure(e -> json(request, 500, error(String.valueOf(e.getMessage()))));
    } else if (path.equals("/drain") && method == HttpMethod.POST) {
      int open = state.connections().size();
      json(request, 202, new JsonObject().put("draining", true).put("openConnections", open)
          .put("drainLimitMs", state.drainLimit().toMillis()));
      control.drain();
    } else if (path.equals("/routes") && method == HttpMethod.GET) {
      json(request, 200, routes());
    } else if (path.equals("/listeners") && method == HttpMethod.GET) {
      JsonArray list = new JsonArray();
      state.routeTable().config().listeners().forEach(l -> list.add(new JsonObject()
          .put("name", l.name())
          .put("bind", new JsonArray(l.bind().stream().map(Object::toString).toList()))
          .put("ports", new JsonArray(state.boundPorts(l.name())))
          .put("tlsEngine", terminates(l.name()) ? TlsEngine.get().id() : null)));
      json(request, 200, new JsonObject().put("listeners", list));
    } else if (path.equals("/certificates") && method == HttpMethod.GET) {
      json(request, 200, CertificatesView.of(state.certificates().snapshot(),
          route -> state.acme() == null ? null : state.acme().status(route)));
    } else {
      json(request, 404, error("no such resource: /api" + path));
    }
  }

  private boolean terminates(String listener) {
    return state.routeTable().config().routes().stream().anyMatch(r -> r.appliesTo(listener) && r.tls().terminates());
  }

  /** The dashboard: one static page that polls the API (see src/main/resources/dashboard). */
  private void dashboard(HttpServerRequest request) {
    vertx.fileSystem().readFile("dashboard/index.html")
        .onSuccess(page -> request.response()
            .putHeader("Content-Type", "text/html; charset=utf-8")
            .putHeader("Cache-Control", "no-store")
            .end(page))
        .onFailure(e -> json(request, 500, error("dashboard page missing from the jar: " + e.getMessage())));
  }

  private JsonObject routes() {
    RouteTable table = state.routeTable();
    JsonArray list = new JsonArray();
    // One pass over the open connections, not one per route.
    java.util.Map<String, Long> openByRoute = state.connections().all().stream()
        .map(c -> c.snapshot().route())
        .filter(java.util.Objects::nonNull)
        .collect(java.util.stream.Collectors.groupingBy(r -> r, java.util.stream.Collectors.counting()));
    table.config().routes().forEach(route -> {
      JsonArray backends = new JsonArray();
      for (Backend b : table.backends(route.name())) {
        JsonObject backend = new JsonObject()
            .put("address", b.address().toString())
            .put("weight", b.weight())
            .put("up", b.isUp())
            .put("activeConnections", b.activeConnections());
        BackendHealthJson.describe(b, state.healthOpinions(), backend);
        backends.add(backend);
      }
      long open = openByRoute.getOrDefault(route.name(), 0L);
      list.add(new JsonObject()
          .put("name", route.name())
          .put("listeners", new JsonArray(route.listeners()))
          .put("balance", route.balance().configName())
          .put("activeConnections", open)
          .put("bytesUp", (long) state.metrics().bytesTotal(route.name(), "upstream"))
          .put("bytesDown", (long) state.metrics().bytesTotal(route.name(), "downstream"))
          .put("backends", backends));
    });
    return new JsonObject().put("version", table.version()).put("routes", list);
  }

  private boolean authorized(HttpServerRequest request) {
    String token = config.token();
    if (token == null || token.isEmpty()) {
      return true;
    }
    String header = request.getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    // Constant-time comparison: the token is a secret.
    return MessageDigest.isEqual(
        header.substring(7).trim().getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonObject error(String message) {
    return new JsonObject().put("error", message);
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encodePrettily());
  }
}
