#!/bin/sh
# A WireGuard peer (userspace wireguard-go, keys made by wg) whose only peer's endpoint is
# 127.0.0.1:PORT. persistent-keepalive makes it send a handshake initiation at once, without any
# packet routed into the tunnel. Run it inside `unshare -n` (a network namespace of its own) so
# the interface never appears on the machine; it stops by itself after a few seconds.
set -eu
port=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ip link set lo up
WG_PROCESS_FOREGROUND=1 timeout 4 wireguard-go wgl4mux0 &
sleep 0.5
(umask 077; wg genkey > "$dir/own"; wg genkey | wg pubkey > "$dir/peer")
wg set wgl4mux0 private-key "$dir/own" peer "$(cat "$dir/peer")" endpoint "127.0.0.1:$port" \
  allowed-ips 10.99.0.2/32 persistent-keepalive 1
ip link set wgl4mux0 up
wait
