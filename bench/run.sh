#!/usr/bin/env bash
# l4mux benchmark suite: direct path, HAProxy, nginx stream and l4mux on the same scenarios, runs
# alternated (A B C D A B C D ...), everything on loopback. See bench/README.md.
#
#   bench/run.sh [--quick | --long | --smoke] [--pin] [--only SCENARIO[,SCENARIO...]]
#
# Environment: L4MUX_JAR (default target/l4mux.jar, built when missing), L4MUX_JAVA (java for
# l4mux, default `java`), L4MUX_JAVA2 (a second JVM run as proxy "l4mux-jdkNN"; default the
# Temurin 25 JDK when installed, empty to skip), L4MUX_JVM_OPTS (default -Xmx512m),
# L4MUX_BUILD_DIR (Maven build dir for the JMH classes, default target), BENCH_RUN_DIR (scratch
# dir, default a new /tmp/l4mux-bench.*), BENCH_RUNS, BENCH_SECONDS, BENCH_CONNS (memory),
# BENCH_PROXIES (default "direct haproxy nginx l4mux"), L4MUX_JFR (any value: JFR per l4mux),
# L4MUX_BASELINE_JAR (another build run as proxy "l4mux-base" in every scenario, to measure a
# change side by side with the build before it), L4MUX_BASELINE_OPTS (extra JVM options for
# "l4mux-base" only; alone, "l4mux-base" is the jar under test again with them, e.g.
# -Dl4mux.transport=epoll for a second transport), BENCH_QUIC_WORKERS (QUIC clients at a
# time, default 8), BENCH_GTLSCLIENT / BENCH_GTLSSERVER (ngtcp2's programs), BENCH_PEER_LOGS
# (on: HAProxy and nginx log one line per connection, as l4mux does; off: they log nothing).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench

MODE=full
PIN=0
ONLY=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) MODE=quick ;;
    --smoke) MODE=smoke ;;
    --long) MODE=long ;;
    --full) MODE=full ;;
    --pin) PIN=1 ;;
    --only) ONLY=${2:?--only needs a scenario}; shift ;;
    --only=*) ONLY=${1#--only=} ;;
    -h | --help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ALL_SCENARIOS="iperf1 iperf8 http_close http_ka tls_ka tls_close http_close_pp udp1 udp1000 quic_handshakes lb_close lb_ka tlsterm_ka tlsterm_close tlsreenc_ka tlsreenc_close stock_tls_close stock_tls_ka stock_http_close first5 memory startup jmh"
LONG_SCENARIOS="stock_tls_close stock_tls_ka stock_http_close first5"
case $MODE in
  quick) RUNS=${BENCH_RUNS:-3}; SECONDS_PER_RUN=${BENCH_SECONDS:-3}; MEM_RUNS=1; STARTUP_RUNS=3; FIRST5_RUNS=1
         JAVA2_SCENARIOS="iperf1 iperf8 http_ka"
         JMH_ARGS="-f 1 -wi 1 -w 500ms -i 3 -r 500ms" ;;
  full)  RUNS=${BENCH_RUNS:-5}; SECONDS_PER_RUN=${BENCH_SECONDS:-8}; MEM_RUNS=3; STARTUP_RUNS=5; FIRST5_RUNS=3
         JAVA2_SCENARIOS="iperf1 iperf8 http_close http_ka tls_ka tls_close"
         JMH_ARGS="-f 2 -wi 3 -w 1s -i 5 -r 1s" ;;
  long)  RUNS=${BENCH_RUNS:-20}; SECONDS_PER_RUN=${BENCH_SECONDS:-7}; MEM_RUNS=1; STARTUP_RUNS=1; FIRST5_RUNS=3
         JAVA2_SCENARIOS="stock_tls_close stock_tls_ka stock_http_close"
         JMH_ARGS="" ;;
  smoke) RUNS=1; SECONDS_PER_RUN=1; MEM_RUNS=1; STARTUP_RUNS=1; FIRST5_RUNS=0; JAVA2_SCENARIOS=""; JMH_ARGS="" ;;
esac
SCENARIOS=${ONLY//,/ }
[ "$MODE" = long ] && SCENARIOS=${SCENARIOS:-$LONG_SCENARIOS}
SCENARIOS=${SCENARIOS:-$ALL_SCENARIOS}
for s in $SCENARIOS; do
  case " $ALL_SCENARIOS " in *" $s "*) ;; *) echo "bench: unknown scenario $s (one of: $ALL_SCENARIOS)" >&2; exit 2 ;; esac
done
MEM_CONNS=${BENCH_CONNS:-8000}
[ "$MODE" = smoke ] && MEM_CONNS=10
WRK_THREADS=2
WRK_CONNS=50

L4MUX_JAR=${L4MUX_JAR:-$ROOT/target/l4mux.jar}
L4MUX_JAVA=${L4MUX_JAVA:-java}
if [ -z "${L4MUX_JAVA2+set}" ]; then
  L4MUX_JAVA2=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
  [ -x "$L4MUX_JAVA2" ] || L4MUX_JAVA2=""
fi
[ "$MODE" = smoke ] && L4MUX_JAVA2=""
L4MUX_BASELINE_JAR=${L4MUX_BASELINE_JAR:-}
BENCH_PEER_LOGS=${BENCH_PEER_LOGS:-on}
case $BENCH_PEER_LOGS in on | off) ;; *) echo "bench: BENCH_PEER_LOGS is on or off, not $BENCH_PEER_LOGS" >&2; exit 2 ;; esac
L4MUX_BASELINE_OPTS=${L4MUX_BASELINE_OPTS:-}
[ "$MODE" = smoke ] && L4MUX_BASELINE_JAR="" && L4MUX_BASELINE_OPTS=""
[ -z "$L4MUX_BASELINE_JAR" ] || [ -f "$L4MUX_BASELINE_JAR" ] || { echo "bench: no jar at L4MUX_BASELINE_JAR=$L4MUX_BASELINE_JAR" >&2; exit 2; }
# Options alone: "l4mux-base" is the jar under test in another setting (built below when missing).
[ -n "$L4MUX_BASELINE_JAR" ] || [ -z "$L4MUX_BASELINE_OPTS" ] || L4MUX_BASELINE_JAR=$L4MUX_JAR
L4MUX_JVM_OPTS=${L4MUX_JVM_OPTS:--Xmx512m}
L4MUX_BUILD_DIR=${L4MUX_BUILD_DIR:-$ROOT/target}

RUN=${BENCH_RUN_DIR:-$(mktemp -d /tmp/l4mux-bench.XXXXXX)}
mkdir -p "$RUN"
PIDS=$RUN/pids            # every process this script started, one "pid name" per line
RESULTS=$RUN/results.tsv  # scenario, proxy, run, metric, value
: >"$PIDS"
: >"$RESULTS"

log() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: FAILED: %s\n' "$*" >&2; exit 1; }

ARGS=""
[ "$MODE" = full ] || ARGS="--$MODE"
[ "$PIN" = 1 ] && ARGS="$ARGS --pin"
[ -n "$ONLY" ] && ARGS="$ARGS --only $ONLY"
ARGS=${ARGS# }

# shellcheck source=lib/bench.sh
source "$BENCH/lib/bench.sh"
{ main; exit $?; }  # braces: bash reads no further while main runs, so editing this file mid-run is safe
