#!/bin/sh
# Runs l4mux as the container's main process (exec: java is PID 1 and gets SIGTERM directly).
# Arguments are l4mux's: `docker run IMAGE --version`, `docker run IMAGE -cluster`,
# `docker run IMAGE validate /etc/l4mux/l4mux.yaml`.
set -eu
# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
exec java ${JAVA_OPTS:-} -jar /opt/l4mux/l4mux.jar "$@"
