package dev.l4mux.config;

/** One backend of a route. */
public record BackendConfig(HostPort address, int weight) {}
