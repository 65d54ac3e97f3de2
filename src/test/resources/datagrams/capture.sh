#!/bin/sh
# Re-captures the real-client datagram fixtures (loopback only; needs Debian's ngtcp2-client).
# The RFC vectors (quic/rfc*.hex) are typed in from the RFCs and are not re-captured.
# Run from anywhere: sh src/test/resources/datagrams/capture.sh
set -eu
cd "$(dirname "$0")"
cap="python3 capture.py"
ngtcp2_version="Debian ngtcp2-client $(dpkg-query -W -f '${Version}' ngtcp2-client) (gtlsclient, GnuTLS)"

CLIENT_VERSION="$ngtcp2_version" $cap quic/ngtcp2-v1-sni-h3.hex \
  sh with-loopback-hosts.sh gtlsclient -q --exit-on-first-stream-close a.example.com '{PORT}' https://a.example.com/index.html
# An FFDHE8192 key share (1,024 bytes) makes the ClientHello larger than one 1,200-byte datagram.
CLIENT_VERSION="$ngtcp2_version" $cap quic/ngtcp2-v1-two-datagram-hello.hex \
  sh with-loopback-hosts.sh gtlsclient -q --exit-on-first-stream-close --groups=-GROUP-ALL:+GROUP-FFDHE8192:+GROUP-X25519 \
  big.example.com '{PORT}' https://big.example.com/index.html
# ngtcp2 0.12 speaks QUIC v2 only as draft version 0x709a50c4: an unknown version to l4mux.
CLIENT_VERSION="$ngtcp2_version" $cap quic/ngtcp2-v2draft.hex \
  sh with-loopback-hosts.sh gtlsclient -q --exit-on-first-stream-close -v v2draft a.example.com '{PORT}' https://a.example.com/index.html

# WireGuard: a real handshake initiation (148 bytes) from wireguard-go, in a private network
# namespace (capture.py and the peer share its loopback).
wg_version="Debian wireguard-go $(dpkg-query -W -f '${Version}' wireguard-go), wireguard-tools $(dpkg-query -W -f '${Version}' wireguard-tools)"
CLIENT_VERSION="$wg_version" CAPTURE_NOTE="run inside unshare -n (a private network namespace); the peer is wireguard-go with fresh wg keys and persistent-keepalive 1" unshare -n sh -c 'ip link set lo up && exec "$@"' sh \
  $cap wireguard/wireguard-go-initiation.hex sh wireguard-peer.sh '{PORT}'
