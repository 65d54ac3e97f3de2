package dev.l4mux.it;

/** Reads values out of Prometheus text exposition. */
public final class MetricsText {

  private MetricsText() {}

  /** Sums every sample of {@code name} whose labels contain all of {@code labelFragments}. */
  public static double sum(String text, String name, String... labelFragments) {
    double total = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
        continue;
      }
      boolean all = true;
      for (String fragment : labelFragments) {
        all &= line.contains(fragment);
      }
      if (all) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }
}
