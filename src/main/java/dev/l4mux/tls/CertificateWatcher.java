package dev.l4mux.tls;

import dev.l4mux.config.RouteConfig;
import dev.l4mux.config.TlsConfig;
import dev.l4mux.config.TlsConfig.CertificateFiles;
import dev.l4mux.observe.NodeLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Notices replaced certificate files (modification time, size or file identity changed) and loads
 * them again: new handshakes get the new certificate, open connections keep the session they have.
 * A replacement that does not load (half written, key and certificate not matching, unreadable) is
 * logged once per state of the files, and the certificate loaded before stays in use.
 *
 * <p>Polled ({@link #check} on a worker every second, see RootVerticle) rather than with a
 * WatchService: certificate files are commonly symbolic links swapped by tools (Kubernetes secrets,
 * certbot), which directory events miss.
 */
public final class CertificateWatcher {

  private final CertificateStore store;
  private final Map<String, String> failed = new HashMap<>(); // route -> fingerprint that failed to load

  public CertificateWatcher(CertificateStore store) {
    this.store = store;
  }

  /** Reloads the routes whose files changed since they were loaded; call from one thread at a time. */
  public synchronized void check() {
    CertificateStore.Snapshot basis = store.snapshot();
    for (CertificateStore.RouteCertificates loaded : basis.routes().values()) {
      String name = loaded.route().name();
      String now = fingerprint(loaded.route());
      if (now.equals(loaded.fingerprint()) || now.equals(failed.get(name))) {
        continue;
      }
      try {
        CertificateStore.RouteCertificates reloaded = loaded.reload();
        if (store.replace(basis, reloaded)) {
          failed.remove(name);
          NodeLog.info("route " + name + ": certificate files changed; new handshakes use " + describe(reloaded));
        }
        basis = store.snapshot();
      } catch (IllegalArgumentException e) {
        failed.put(name, now);
        NodeLog.warning("route " + name + ": changed certificate files do not load (" + e.getMessage() + "); still serving " + describe(loaded));
      }
    }
  }

  private static String describe(CertificateStore.RouteCertificates route) {
    return route.certificates().stream()
        .map(c -> c.names() + " serial " + c.serial() + " until " + c.notAfter())
        .collect(Collectors.joining(", "));
  }

  /** The state of every file a route's TLS reads, as one comparable string. */
  static String fingerprint(RouteConfig route) {
    TlsConfig tls = route.tls();
    List<String> files = new ArrayList<>();
    for (CertificateFiles pair : tls.certificates()) {
      if (pair.selfSigned()) {
        continue; // nothing on disk to watch
      }
      files.add(pair.cert());
      files.add(pair.key());
    }
    if (tls.clientCa() != null) {
      files.add(tls.clientCa());
    }
    if (tls.upstream() != null && tls.upstream().ca() != null) {
      files.add(tls.upstream().ca());
    }
    if (tls.upstream() != null && tls.upstream().client() != null) {
      files.add(tls.upstream().client().cert());
      files.add(tls.upstream().client().key());
    }
    StringBuilder out = new StringBuilder();
    for (String file : files) {
      Path path = CertificateStore.resolve(file);
      try {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class); // follows links
        out.append(file).append('=').append(attributes.lastModifiedTime().toMillis()).append('/').append(attributes.size())
            .append('/').append(attributes.fileKey()).append(';');
      } catch (IOException e) {
        out.append(file).append("=missing;");
      }
    }
    return out.toString();
  }
}
