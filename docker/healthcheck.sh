#!/bin/bash
# Docker HEALTHCHECK: GET /ready on the admin server, healthy on 200 only. The admin address is
# L4MUX_ADMIN_LISTEN (a wildcard is asked on loopback), else the image's default 127.0.0.1:9900.
# bash's /dev/tcp, so the image needs neither curl nor wget.
set -u
listen=${L4MUX_ADMIN_LISTEN:-127.0.0.1:9900}
port=${listen##*:}
host=${listen%:*}
host=${host#[}
host=${host%]}
case "$host" in
  0.0.0.0 | "" ) host=127.0.0.1 ;;
  :: ) host=::1 ;;
esac
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /ready HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" >&3
IFS= read -r -t 3 status <&3 || exit 1
case "$status" in
  "HTTP/1."?" 200"*) exit 0 ;;
  *) echo "l4mux /ready: ${status%$'\r'}"; exit 1 ;;
esac
