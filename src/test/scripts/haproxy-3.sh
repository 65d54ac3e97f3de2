#!/bin/bash
# Prints the path of an HAProxy 3.0 binary, building it first if needed, for the tests that need
# what HAProxy 2.6 (Debian 12's package) lacks: set-proxy-v2-tlv-fmt and fc_pp_tlv (since 2.9).
#
# The source is Debian's own (trixie's haproxy 3.0 orig tarball from deb.debian.org, checked by its
# SHA-256 from trixie's Sources index); the build needs gcc, make and libssl-dev. The binary is
# cached in $L4MUX_PEERS_DIR (default ~/.cache/l4mux-peers), so only the first run pays the build
# (about 2-4 minutes on 2 cores).
set -euo pipefail
VERSION=3.0.11
SHA256=a133e2d550c5fd9a849b5c7ab17bb945bcdad209ca140d41f45ebf31943ae783
URL="http://deb.debian.org/debian/pool/main/h/haproxy/haproxy_${VERSION}.orig.tar.gz"
DIR="${L4MUX_PEERS_DIR:-$HOME/.cache/l4mux-peers}/haproxy-$VERSION"
BIN="$DIR/haproxy"

if [ -x "$BIN" ] && "$BIN" -v >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi
mkdir -p "$DIR"
exec 9>"$DIR.lock"
flock 9 # one build at a time; a second caller waits, then finds the binary
if [ -x "$BIN" ] && "$BIN" -v >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsS --retry 3 -o "$work/src.tar.gz" "$URL" >&2
echo "$SHA256  $work/src.tar.gz" | sha256sum -c --quiet - >&2
tar -xzf "$work/src.tar.gz" -C "$work"
make -C "$work/haproxy-$VERSION" -j"$(nproc)" TARGET=linux-glibc USE_OPENSSL=1 >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log" >&2
  exit 1
}
cp "$work/haproxy-$VERSION/haproxy" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
echo "$BIN"
