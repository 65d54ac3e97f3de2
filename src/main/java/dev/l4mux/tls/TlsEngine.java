package dev.l4mux.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;

/**
 * Which TLS implementation terminates: Netty's OpenSSL engine (BoringSSL from
 * netty-tcnative-boringssl-static) when its native library loads, else the JDK's. {@code
 * L4MUX_TLS_ENGINE} (or {@code -Dl4mux.tlsEngine}) {@code openssl} or {@code jdk} insists; {@code
 * auto} is the default. Chosen once per JVM.
 */
public final class TlsEngine {

  public static final String ENV = "L4MUX_TLS_ENGINE";
  public static final String PROPERTY = "l4mux.tlsEngine";

  private static final TlsEngine CHOSEN = choose();

  private final SslProvider provider;
  private final String description;

  private TlsEngine(SslProvider provider, String description) {
    this.provider = provider;
    this.description = description;
  }

  /** The engine of this JVM. */
  public static TlsEngine get() {
    return CHOSEN;
  }

  public SslProvider provider() {
    return provider;
  }

  /** {@code openssl} or {@code jdk}, as {@code /api/listeners} shows it. */
  public String id() {
    return provider == SslProvider.JDK ? "jdk" : "openssl";
  }

  /** For the start-up log line, e.g. {@code OpenSSL engine (BoringSSL)}. */
  public String describe() {
    return description;
  }

  private static TlsEngine choose() {
    String requested = System.getProperty(PROPERTY);
    if (requested == null || requested.isBlank()) {
      requested = System.getenv(ENV);
    }
    requested = requested == null || requested.isBlank() ? "auto" : requested.trim().toLowerCase(Locale.ROOT);
    // The JDK engine would let a client renegotiate TLS 1.2 sessions; BoringSSL never does as a server.
    if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
      System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
    }
    return switch (requested) {
      case "jdk" -> jdk("asked for by " + ENV);
      case "openssl" -> {
        if (!OpenSsl.isAvailable()) {
          throw new IllegalStateException(ENV + "=openssl, but OpenSSL cannot load: " + OpenSsl.unavailabilityCause());
        }
        yield openSsl();
      }
      case "auto" -> OpenSsl.isAvailable() ? openSsl() : jdk("OpenSSL cannot load: " + OpenSsl.unavailabilityCause());
      default -> throw new IllegalArgumentException(ENV + ": unknown TLS engine '" + requested + "' (expected auto, openssl or jdk)");
    };
  }

  private static TlsEngine openSsl() {
    return new TlsEngine(SslProvider.OPENSSL, "OpenSSL engine (" + OpenSsl.versionString() + ")");
  }

  private static TlsEngine jdk(String why) {
    return new TlsEngine(SslProvider.JDK, "JDK engine (" + why + ")");
  }
}
