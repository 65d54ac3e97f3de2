package dev.l4mux.observe;

import java.util.List;

/** UDP flows that ended, published on {@code l4mux.flow.events} (local) for the access log. */
public record FlowsEnded(List<FlowEnded> flows) {

  public FlowsEnded {
    flows = List.copyOf(flows);
  }
}
