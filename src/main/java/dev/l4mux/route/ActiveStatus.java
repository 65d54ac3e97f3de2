package dev.l4mux.route;

/**
 * What the active checks of one backend address (with one check configuration) last concluded,
 * shared by every route and route table that checks it that way. Written by its checker only,
 * read by balancers on every event loop.
 *
 * <p>A backend starts up (as in HAProxy): a fresh node or reload serves at once, and a dead
 * backend is marked down after {@code fall} failed checks.
 */
public final class ActiveStatus {

  private volatile boolean up = true;
  private volatile String reason = "not checked yet";
  private volatile long lastCheckMillis;
  private int successes;
  private int failures;

  public boolean isUp() {
    return up;
  }

  /** Why it is in its state: the last check's outcome ({@code "connect refused"}, {@code "status 500"}, ...). */
  public String reason() {
    return reason;
  }

  /** Wall-clock time of the last finished check, 0 before the first. */
  public long lastCheckMillis() {
    return lastCheckMillis;
  }

  /**
   * Records one check's outcome (called by its one checker, never concurrently).
   *
   * @return true when the state flipped: {@code rise} successes in a row bring a down backend up,
   *     {@code fall} failures in a row take an up one down
   */
  public boolean record(boolean success, String outcome, int rise, int fall, long nowMillis) {
    lastCheckMillis = nowMillis;
    reason = outcome;
    if (success) {
      failures = 0;
      successes++;
      if (!up && successes >= rise) {
        up = true;
        return true;
      }
    } else {
      successes = 0;
      failures++;
      if (up && failures >= fall) {
        up = false;
        return true;
      }
    }
    return false;
  }
}
