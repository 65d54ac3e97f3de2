#!/bin/sh
# Build time: a training run (l4mux train) makes the JVM's ahead-of-time cache for this jar and
# this JVM, so a container reaches /ready and full speed sooner (docs/performance.md, "warm-up"):
# JDK 25+: an AOT cache (classes loaded and linked, method profiles); JDK 17-24: an AppCDS archive.
# The entrypoint uses whichever exists. A failed training run leaves none: the image still works.
set -eu
major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
major=${major%%.*}
if [ "$major" -ge 25 ]; then
  java --sun-misc-unsafe-memory-access=allow -XX:AOTCacheOutput=/opt/l4mux/l4mux.aot -jar /opt/l4mux/l4mux.jar train 20 \
    || rm -f /opt/l4mux/l4mux.aot
else
  java -XX:ArchiveClassesAtExit=/opt/l4mux/l4mux.jsa -jar /opt/l4mux/l4mux.jar train 20 || rm -f /opt/l4mux/l4mux.jsa
fi
chmod a+r /opt/l4mux/l4mux.aot /opt/l4mux/l4mux.jsa 2>/dev/null || true
