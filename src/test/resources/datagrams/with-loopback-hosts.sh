#!/bin/sh
# Runs a command with a private /etc/hosts that puts the test host names on 127.0.0.1, in a mount
# namespace of its own (needs root; the machine's /etc/hosts is untouched). ngtcp2's gtlsclient
# sends its HOST argument as the TLS server name (0.12 ignores --sni), so tests reach loopback
# servers under names of their choosing.
set -eu
hosts=$(mktemp)
trap 'rm -f "$hosts"' EXIT
echo "127.0.0.1 localhost a.example.com b.example.com big.example.com" > "$hosts"
unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$hosts" "$@"
