package dev.l4mux.route;

import dev.l4mux.sniff.Sniffed;

/**
 * A listener's question to the router: where should this sniffed connection go?
 *
 * @param sourceHost the client's IP address literal
 */
public record RouteRequest(long connectionId, String listener, Sniffed facts, String sourceHost, int sourcePort) {}
