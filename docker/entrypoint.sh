#!/bin/sh
# Runs l4mux as the container's main process (exec: java is PID 1 and gets SIGTERM directly).
# Arguments are l4mux's: `docker run IMAGE --version`, `docker run IMAGE -cluster`,
# `docker run IMAGE validate /etc/l4mux/l4mux.yaml`.
set -eu
# The ahead-of-time cache made at build time by jvm-cache.sh, when there is one.
CACHE_OPTS=""
if [ -f /opt/l4mux/l4mux.aot ]; then
  CACHE_OPTS="-XX:AOTCache=/opt/l4mux/l4mux.aot"
elif [ -f /opt/l4mux/l4mux.jsa ]; then
  CACHE_OPTS="-XX:SharedArchiveFile=/opt/l4mux/l4mux.jsa"
fi
# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
exec java ${CACHE_OPTS} ${JAVA_OPTS:-} -jar /opt/l4mux/l4mux.jar "$@"
