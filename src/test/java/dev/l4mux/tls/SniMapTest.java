package dev.l4mux.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SniMapTest {

  private static final Map<String, List<String>> NAMES = Map.of(
      "first", List.of("a.example.com", "*.example.com"),
      "second", List.of("a.example.com", "b.example.com", "*.b.example.com"),
      "third", List.of("*.example.org"));
  private static final SniMap<String> MAP = new SniMap<>(List.of("first", "second", "third"), NAMES::get);

  @Test
  void exactNamesWinOverWildcardsAndTheFirstClaimKeepsAName() {
    assertEquals("first", MAP.find("a.example.com"));
    assertEquals("second", MAP.find("b.example.com")); // exact beats first's *.example.com
    assertEquals("first", MAP.find("c.example.com"));
  }

  @Test
  void aWildcardStandsForExactlyOneLeftmostLabel() {
    assertEquals("second", MAP.find("x.b.example.com"));
    assertEquals("third", MAP.find("www.example.org"));
    assertNull(MAP.find("example.org"));
    assertNull(MAP.find("a.www.example.org"));
  }

  @Test
  void matchesCaseInsensitivelyAndIgnoresATrailingDot() {
    assertEquals("first", MAP.find("A.Example.COM"));
    assertEquals("third", MAP.find("www.example.org."));
  }

  @Test
  void noNameFindsNothing() {
    assertNull(MAP.find(null));
    assertNull(MAP.find(""));
    assertNull(MAP.find("other.net"));
  }
}
