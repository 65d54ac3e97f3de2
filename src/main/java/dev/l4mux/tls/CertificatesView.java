package dev.l4mux.tls;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** {@code GET /api/certificates} (CONTRACT section 4): the certificates served now. */
public final class CertificatesView {

  private CertificatesView() {}

  public static JsonObject of(CertificateStore.Snapshot snapshot) {
    JsonArray list = new JsonArray();
    for (ServedCertificate c : snapshot.served()) {
      list.add(new JsonObject()
          .put("route", c.route())
          .put("names", new JsonArray(c.names()))
          .put("subject", c.subject())
          .put("issuer", c.issuer())
          .put("serial", c.serial())
          .put("notBefore", c.leaf().getNotBefore().toInstant().toString())
          .put("notAfter", c.notAfter().toString())
          .put("keyType", c.certifiedKey().key().getAlgorithm())
          .put("engine", ServerContexts.provider(c) == io.netty.handler.ssl.SslProvider.JDK ? "jdk" : "openssl")
          .put("source", c.files().selfSigned() ? "self-signed" : "file")
          .put("cert", c.files().cert())
          .put("key", c.files().key())
          .put("loadedAt", c.loadedAt().toString())
          // File certificates are not renewed by l4mux; ACME ones would report their attempts here.
          .put("lastRenewal", null));
    }
    return new JsonObject().put("engine", TlsEngine.get().id()).put("certificates", list);
  }
}
