package dev.l4mux.config;

import java.util.List;

/**
 * An {@code access} section of a listener or route: CIDRs allowed and denied (deny wins; an empty
 * allow list allows every address not denied). Checked on the real client's address.
 */
public record AccessConfig(List<Cidr> allow, List<Cidr> deny) {

  public static final AccessConfig NONE = new AccessConfig(List.of(), List.of());

  public AccessConfig {
    allow = List.copyOf(allow);
    deny = List.copyOf(deny);
  }

  public boolean isEmpty() {
    return allow.isEmpty() && deny.isEmpty();
  }
}
