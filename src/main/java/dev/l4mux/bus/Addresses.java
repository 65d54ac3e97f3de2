package dev.l4mux.bus;

/** Every event-bus address l4mux uses (CONTRACT section 7). */
public final class Addresses {

  /** Request/reply, local: a listener asks a router to decide on a sniffed connection. */
  public static final String ROUTE = "l4mux.route";

  /** Publish, cluster-wide: a new configuration version for every node. */
  public static final String CONFIG_CHANGED = "l4mux.config.changed";

  /** Publish, local: opened/closed facts for metrics, access log and dashboard. */
  public static final String CONNECTION_EVENTS = "l4mux.connection.events";

  /** Publish, local: facts of ended UDP flows, for the access log. */
  public static final String FLOW_EVENTS = "l4mux.flow.events";

  /** Publish, cluster-wide: a node's active health verdict on a backend changed (JSON). */
  public static final String HEALTH_CHANGED = "l4mux.health.changed";

  private Addresses() {}

  /** ACME challenges to answer (or to stop answering), published by the ordering node to all (JSON). */
  public static final String ACME_CHALLENGES = "l4mux.acme.challenges";

  /** An ACME certificate obtained by one node, published to all (JSON with its chain and key). */
  public static final String ACME_CERTIFICATES = "l4mux.acme.certificates";
}
