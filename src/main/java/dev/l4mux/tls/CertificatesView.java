package dev.l4mux.tls;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** {@code GET /api/certificates} (CONTRACT section 4): the certificates served now. */
public final class CertificatesView {

  private CertificatesView() {}

  /**
   * @param acme the ACME state of a route's certificate ({@code acme}, {@code lastRenewal},
   *     {@code nextRenewal}), or null for a route without ACME
   */
  public static JsonObject of(CertificateStore.Snapshot snapshot, java.util.function.Function<String, JsonObject> acme) {
    JsonArray list = new JsonArray();
    for (ServedCertificate c : snapshot.served()) {
      JsonObject state = c.files() == null ? acme.apply(c.route()) : null;
      JsonObject entry = new JsonObject()
          .put("route", c.route())
          .put("names", new JsonArray(c.names()))
          .put("subject", c.subject())
          .put("issuer", c.issuer())
          .put("serial", c.serial())
          .put("notBefore", c.leaf().getNotBefore().toInstant().toString())
          .put("notAfter", c.notAfter().toString())
          .put("keyType", c.certifiedKey().key().getAlgorithm())
          .put("engine", ServerContexts.provider(c) == io.netty.handler.ssl.SslProvider.JDK ? "jdk" : "openssl")
          .put("source", c.source() != ServedCertificate.Source.FILE ? "acme" : c.files().selfSigned() ? "self-signed" : "file")
          .put("placeholder", c.source() == ServedCertificate.Source.PLACEHOLDER)
          .put("cert", c.files() == null ? null : c.files().cert())
          .put("key", c.files() == null ? null : c.files().key())
          .put("loadedAt", c.loadedAt().toString())
          .put("lastRenewal", null); // file certificates are not renewed by l4mux
      if (state != null) {
        entry.mergeIn(state);
      }
      list.add(entry);
    }
    return new JsonObject().put("engine", TlsEngine.get().id()).put("certificates", list);
  }
}
