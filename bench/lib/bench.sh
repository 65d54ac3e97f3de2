# Functions of bench/run.sh (sourced; it sets MODE, PIN, ONLY, the settings and RUN first).
# shellcheck shell=bash

# ---------------------------------------------------------------------------------------------
# Processes: started in the background, recorded by PID, stopped by PID (never by name).

# Cpu sets for --pin: the proxy on the last cpu, load generators and backends on the others.
NCPU=$(nproc)
if [ "$PIN" = 1 ] && [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null; then
  PROXY_CPUS=$((NCPU - 1)); LOAD_CPUS=0-$((NCPU - 2))
  PROXY_PIN=(taskset -c "$PROXY_CPUS"); LOAD_PIN=(taskset -c "$LOAD_CPUS")
  PINNING="yes (proxy on cpu $PROXY_CPUS; load generators and backends on cpu $LOAD_CPUS)"
else
  [ "$PIN" = 1 ] && log "pinning asked for but not possible (nproc=$NCPU, taskset $(command -v taskset || echo missing))"
  PROXY_PIN=(); LOAD_PIN=(); PINNING="no"
fi

# The direct children of a pid (nginx workers), from /proc.
children() {
  local parent=$1 stat
  for stat in /proc/[0-9]*/stat; do
    # fields after the ")" of comm: state ppid ...
    local rest
    rest=$(cat "$stat" 2>/dev/null) || continue
    rest=${rest##*) }
    set -- $rest
    [ "${2:-}" = "$parent" ] && { local p=${stat#/proc/}; echo "${p%/stat}"; }
  done
  return 0
}

record() { # pid name
  echo "$1 $2" >>"$PIDS"
  log "started pid $1 ($2)"
}

# start NAME PIN(proxy|load|none) CMD...: runs CMD in the background, output to $RUN/NAME.log.
start() {
  local name=$1 pin=$2; shift 2
  local prefix=()
  case $pin in proxy) prefix=(${PROXY_PIN[@]+"${PROXY_PIN[@]}"}) ;; load) prefix=(${LOAD_PIN[@]+"${LOAD_PIN[@]}"}) ;; esac
  ${prefix[@]+"${prefix[@]}"} "$@" >"$RUN/$name.log" 2>&1 </dev/null &
  LAST_PID=$!
  record "$LAST_PID" "$name"
}

# Records the children of a started process (nginx workers) once they are up (up to 2 s for
# the expected number; stop_pid also stops children it finds later).
record_children() { # pid name [expected]
  local child i
  for i in $(seq 20); do
    [ "$(children "$1" | wc -l)" -ge "${3:-2}" ] && break
    sleep 0.1
  done
  for child in $(children "$1"); do
    grep -q "^$child " "$PIDS" || record "$child" "$2 worker"
  done
}

alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# Stops one recorded pid (TERM, then KILL after 10 s) and the children it had.
stop_pid() {
  local pid=$1 kids i
  alive "$pid" || return 0
  kids=$(children "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for pid in $kids; do
    for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
  return 0
}

# Stops the recorded processes whose name matches a pattern (newest first).
stop_named() {
  local pattern=$1 pid name
  tac "$PIDS" | while read -r pid name; do
    case $name in $pattern) stop_pid "$pid" ;; esac
  done
}

cleanup() {
  local status=$? pid name left=""
  trap - EXIT INT TERM
  stop_named '*'
  while read -r pid name; do alive "$pid" && left="$left $pid"; done <"$PIDS"
  if [ -n "$left" ]; then
    log "processes still alive:$left"
    status=1
  else
    log "all started processes stopped"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The newest recorded pid of a started proxy (empty for direct).
proxy_pid() { # proxy
  local name=$1
  case $name in direct) return 0 ;; nginx) name=nginx-stream ;; esac
  awk -v n="$name" '$2 == n {p = $1} END {if (p) print p}' "$PIDS"
}

# CPU time (clock ticks) a JVM's JIT compiler threads have used so far; 0 when unknown.
jit_cpu() { # pid
  local total=0 task v
  [ -n "${1:-}" ] || { echo 0; return; }
  for task in /proc/"$1"/task/*; do
    case $(cat "$task/comm" 2>/dev/null) in
      C1\ CompilerThre* | C2\ CompilerThre*)
        v=$(awk '{sub(/.*\) /, ""); print $12 + $13}' "$task/stat" 2>/dev/null) && total=$((total + ${v:-0})) ;;
    esac
  done
  echo "$total"
}

# Warms an l4mux proxy up for a scenario: runs of it, not measured, until its JIT compilers used
# under 5 % of a run's time (measured: the TLS handshake path keeps C2 busy for 30-40 s, which on
# two cores is CPU the measured runs would lose), at most 8 runs and at least one.
warm_up() { # scenario proxy
  local pid before after ticks_per_run i
  pid=$(proxy_pid "$2")
  ticks_per_run=$((SECONDS_PER_RUN * $(getconf CLK_TCK)))
  for i in 1 2 3 4 5 6 7 8; do
    before=$(jit_cpu "$pid")
    RESULTS=/dev/null run_scenario "$1" "$2" warm-up
    after=$(jit_cpu "$pid")
    log "$1 warm-up $i via $2: JIT compilers used $(((after - before) * 100 / ticks_per_run)) % of the run"
    [ $(((after - before) * 20)) -lt "$ticks_per_run" ] && return 0
    [ "$MODE" = smoke ] && return 0
  done
  log "$1 via $2: JIT still above 5 % after 8 warm-up runs; measuring anyway"
  return 0 # not the last test's status: under set -e a false one would end the whole run
}

# CPU time (clock ticks, user + system) of a pid and its children (nginx workers); 0 for none.
tree_cpu() {
  local total=0 pid v
  [ -n "${1:-}" ] || { echo 0; return; }
  for pid in "$1" $(children "$1"); do
    v=$(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# CPU time (clock ticks) of the threads that carry the traffic: an l4mux JVM's event loops (Vert.x's
# and, on io_uring, its UDP loops; no JIT compiler, GC or timer threads), all of any other proxy
# (nginx: master and workers).
loop_cpu() { # pid
  local total=0 task v
  [ -n "${1:-}" ] || { echo 0; return; }
  case $(cat "/proc/$1/comm" 2>/dev/null) in
    java)
      for task in /proc/"$1"/task/*; do
        case $(cat "$task/comm" 2>/dev/null) in vert.x-eventloo | l4mux-udp-loop-) ;; *) continue ;; esac
        v=$(awk '{sub(/.*\) /, ""); print $12 + $13}' "$task/stat" 2>/dev/null) && total=$((total + ${v:-0}))
      done
      echo "$total" ;;
    *) tree_cpu "$1" ;;
  esac
}

# Sum of VmRSS (KiB) of a pid and its children.
tree_rss() {
  local total=0 pid v
  for pid in "$1" $(children "$1"); do
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

wait_port() { # port [seconds]
  local i
  for i in $(seq $((${2:-20} * 20))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  die "nothing listens on 127.0.0.1:$1 (logs in $RUN)"
}

# ---------------------------------------------------------------------------------------------
# Tools, certificates, configuration.

NGINX_STREAM_MODULE=/usr/lib/nginx/modules/ngx_stream_module.so
tools_missing() {
  local t
  for t in haproxy nginx iperf3 wrk openssl curl python3 taskset; do command -v "$t" >/dev/null || echo "$t"; done
  if command -v nginx >/dev/null && ! nginx -V 2>&1 | grep -q -- '--with-stream\b[^=]' && [ ! -f "$NGINX_STREAM_MODULE" ]; then
    echo "nginx-stream-module"
  fi
}
install_tools() {
  local missing
  missing=$(tools_missing)
  [ -z "$missing" ] && return 0
  log "missing: $(echo $missing); installing from Debian"
  [ "$(id -u)" = 0 ] || die "run as root or install: haproxy nginx libnginx-mod-stream iperf3 wrk openssl curl python3 util-linux"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >"$RUN/apt.log" 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy nginx libnginx-mod-stream iperf3 wrk \
    openssl curl python3 util-linux ngtcp2-client ngtcp2-server >>"$RUN/apt.log" 2>&1 || die "apt-get install failed, see $RUN/apt.log"
  missing=$(tools_missing)
  [ -z "$missing" ] || die "still missing after install: $missing"
}

# QUIC (quic_handshakes and the smoke run's QUIC check) needs ngtcp2's gtlsclient and gtlsserver
# (Debian ngtcp2-client, ngtcp2-server) and a mount namespace for the client's /etc/hosts; without
# them QUIC is skipped with this reason, everything else runs.
QUIC_CLIENT=${BENCH_GTLSCLIENT:-gtlsclient}
QUIC_SERVER=${BENCH_GTLSSERVER:-gtlsserver}
quic_missing() {
  local t
  for t in "$QUIC_CLIENT" "$QUIC_SERVER" unshare; do command -v "$t" >/dev/null || echo "$t"; done
}
QUIC_SKIP=""
check_quic() {
  local missing
  missing=$(quic_missing)
  if [ -n "$missing" ]; then
    QUIC_SKIP="$(echo $missing) not found (Debian: ngtcp2-client ngtcp2-server util-linux)"
  elif ! unshare -m true 2>/dev/null; then
    QUIC_SKIP="no mount namespace for the client's /etc/hosts (unshare -m needs root)"
  fi
  [ -z "$QUIC_SKIP" ] || log "QUIC skipped: $QUIC_SKIP"
}

# Runs a command (on the load cpus) with a private /etc/hosts naming a.bench.test and b.bench.test
# on 127.0.0.1, in a mount namespace of its own (the machine's /etc/hosts is untouched):
# gtlsclient sends the host name it resolves as SNI, and Debian's 0.12 ignores --sni.
quic_client() {
  [ -f "$RUN/quic-hosts" ] || echo "127.0.0.1 localhost a.bench.test b.bench.test" >"$RUN/quic-hosts"
  BENCH_GTLSCLIENT=$QUIC_CLIENT ${LOAD_PIN[@]+"${LOAD_PIN[@]}"} \
    unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$RUN/quic-hosts" "$@"
}

make_certs() {
  mkdir -p "$RUN/certs"
  local name sans
  for name in a b; do
    sans="DNS:$name.bench.test"
    [ "$name" = a ] && sans="$sans,DNS:localhost"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
      -subj "/CN=$name.bench.test" -addext "subjectAltName=$sans" \
      -keyout "$RUN/certs/$name.key" -out "$RUN/certs/$name.pem" >/dev/null 2>&1 || die "openssl req"
  done
  cat "$RUN/certs/a.pem" "$RUN/certs/a.key" >"$RUN/certs/a-haproxy.pem" # HAProxy's crt: chain and key in one file
}

render() { # template name -> path
  local module=""
  if [ -f "$NGINX_STREAM_MODULE" ] && ! nginx -V 2>&1 | grep -q -- '--with-stream\b[^=]'; then
    module="load_module $NGINX_STREAM_MODULE;"
  fi
  local peer_log='s/ *# peer-log$//'
  [ "$BENCH_PEER_LOGS" = off ] && peer_log='/# peer-log$/d'
  sed -e "s|@RUN@|$RUN|g" -e "s|@NAME@|$2|g" -e "s|@MODULE@|$module|g" -e "$peer_log" "$BENCH/conf/$1" >"$RUN/$2.conf"
  echo "$RUN/$2.conf"
}

ensure_jar() {
  if [ ! -f "$L4MUX_JAR" ]; then
    log "building $L4MUX_JAR"
    (cd "$ROOT" && mvn -B -q package -DskipTests) || die "mvn package"
    [ -f "$L4MUX_JAR" ] || die "no jar at $L4MUX_JAR after the build (set L4MUX_JAR)"
  fi
}

java_version() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.runtime\.version = //p' | head -1; }
java_major() { local v; v=$(java_version "$1"); v=${v%%.*}; echo "${v%%+*}"; }

# ---------------------------------------------------------------------------------------------
# Backends and proxies. Ports: see bench/README.md.

start_backends() {
  local conf
  conf=$(render nginx-backend.conf.in nginx-backend)
  start nginx-backend load nginx -e "$RUN/nginx-backend.err" -p "$RUN" -c "$conf" -g 'daemon off;'
  NGINX_BACKEND_PID=$LAST_PID
  start iperf3-server load iperf3 -s -B 127.0.0.1 -p 15201
  start hold-backend load python3 "$BENCH/lib/holdconns.py" serve 15300
  conf=$(render nginx-stock-backend.conf.in nginx-stock)
  start nginx-stock load nginx -e "$RUN/nginx-stock.err" -p "$RUN" -c "$conf" -g 'daemon off;'
  NGINX_STOCK_PID=$LAST_PID
  start udp-echo load python3 "$BENCH/lib/udpload.py" echo 15400 2
  if [ -z "$QUIC_SKIP" ]; then # QUIC servers a and b (UDP 18443, 18444; the answer names the server)
    local name port
    for name in a b; do
      port=18443; [ "$name" = b ] && port=18444
      mkdir -p "$RUN/quic-$name"; echo "$name" >"$RUN/quic-$name/index.html"
      start "quic-$name" load "$QUIC_SERVER" -q -d "$RUN/quic-$name" 127.0.0.1 "$port" "$RUN/certs/$name.key" "$RUN/certs/$name.pem"
    done
    wait_udp_port 18443; wait_udp_port 18444
  fi
  wait_port 18080; wait_port 18443; wait_port 18444; wait_port 15201; wait_port 15300; wait_port 18180; wait_port 18543
  wait_udp_port 15400
  wait_port 18091; wait_port 18092; wait_port 18093; wait_port 18094
  record_children "$NGINX_BACKEND_PID" nginx-backend
  record_children "$NGINX_STOCK_PID" nginx-stock
}

wait_udp_port() { # port [seconds]: until a UDP socket is bound to 127.0.0.1:port
  local needle deadline=$(( $(date +%s) + ${2:-30} ))
  needle=$(printf '0100007F:%04X' "$1")
  until grep -q "$needle" /proc/net/udp; do
    [ "$(date +%s)" -lt "$deadline" ] || die "nothing bound to udp 127.0.0.1:$1"
    sleep 0.05
  done
}

# Port prefix of a proxy's listeners (mux, raw, hold, pp and udp, stock, lb, term, reenc, quic):
# PORT_PREFIX + 1/2/3/4/5/6/7/8/9 (4 is the PROXY scenario's TCP port and the UDP scenario's UDP
# port; 9 is UDP, QUIC). "term" terminates TLS (ECDSA P-256 certificate a.pem) and relays plaintext
# HTTP to the backend; its direct reference is nginx's own HTTPS server. The direct QUIC port is
# server a's (b's is 18444).
proxy_port() { # proxy kind(mux-http|mux-tls|raw|hold|udp|stock-http|stock-tls|lb|term|reenc|quic)
  local base
  case $1 in
    direct)
      case $2 in mux-http) echo 18080 ;; mux-tls | term) echo 18443 ;; raw) echo 15201 ;; hold) echo 15300 ;; udp) echo 15400 ;;
        stock-http) echo 18180 ;; stock-tls | reenc) echo 18543 ;; lb) echo 18091 ;; quic) echo 18443 ;; esac
      return ;;
    haproxy) base=20000 ;;
    nginx) base=21000 ;;
    l4mux) base=22000 ;;
    l4mux-jdk*) base=23000 ;;
    l4mux-base) base=24000 ;;
    l4mux-aot) base=26000 ;;
    l4mux-cds) base=27000 ;;
  esac
  case $2 in mux-http | mux-tls) echo $((base + 1)) ;; raw) echo $((base + 2)) ;; hold) echo $((base + 3)) ;; udp) echo $((base + 4)) ;;
    stock-http | stock-tls) echo $((base + 5)) ;; lb) echo $((base + 6)) ;; term) echo $((base + 7)) ;; reenc) echo $((base + 8)) ;;
    quic) echo $((base + 9)) ;; esac
}

start_haproxy() {
  local conf
  conf=$(render haproxy.cfg.in haproxy)
  haproxy -c -q -f "$conf" >"$RUN/haproxy-check.log" 2>&1 || die "haproxy config: $(cat "$RUN/haproxy-check.log")"
  start haproxy proxy haproxy -db -f "$conf"
  PROXY_PID=$LAST_PID
  wait_port 20001; wait_port 20002; wait_port 20003; wait_port 20004; wait_port 20005; wait_port 20006; wait_port 20007
}

start_nginx() {
  local conf
  conf=$(render nginx-stream.conf.in nginx-stream)
  start nginx-stream proxy nginx -e "$RUN/nginx-stream.err" -p "$RUN" -c "$conf" -g 'daemon off;'
  PROXY_PID=$LAST_PID
  wait_port 21001; wait_port 21002; wait_port 21003; wait_udp_port 21004; wait_port 21005; wait_port 21006; wait_port 21007
  wait_udp_port 21009
  record_children "$PROXY_PID" nginx-stream
}

# start_l4mux NAME JAVA [JAR]: starts the jar and waits for /ready; sets PROXY_PID and
# STARTUP_MS. Other instances than "l4mux" get the ports of their proxy_port base (220xx -> 230xx,
# 240xx, ...).
start_l4mux() {
  local name=$1 java=$2 jar=${3:-$L4MUX_JAR} conf=$BENCH/l4mux.yaml admin=127.0.0.1:22900 opts=() base_opts=() t0 prefix
  conf=$RUN/$name.yaml
  prefix=220
  if [ "$name" != l4mux ]; then
    prefix=$(( $(proxy_port "$name" raw) / 100 )) # 230 for 23002
    admin=127.0.0.1:$(( prefix / 10 ))900
  fi
  sed -e "s/127\.0\.0\.1:220/127.0.0.1:$prefix/g" -e "s|@RUN@|$RUN|g" "$BENCH/l4mux.yaml" >"$conf"
  read -r -a opts <<<"$L4MUX_JVM_OPTS"
  [ "$(java_major "$java")" -ge 24 ] && opts+=(--sun-misc-unsafe-memory-access=allow)
  case $name in
    l4mux-base) read -r -a base_opts <<<"${L4MUX_BASELINE_OPTS:-}"; opts+=("${base_opts[@]}") ;;
    l4mux-aot) opts+=("-XX:AOTCache=$(jvm_cache aot "$java")") ;;
    l4mux-cds) opts+=("-XX:SharedArchiveFile=$(jvm_cache cds "$java")") ;;
  esac
  [ -n "${L4MUX_JFR:-}" ] && opts+=(-XX:+FlightRecorder "-XX:StartFlightRecording=name=bench,settings=profile")
  t0=$(date +%s%N)
  L4MUX_ADMIN_LISTEN=$admin L4MUX_NODE_NAME=$name start "$name" proxy "$java" "${opts[@]}" -jar "$jar" -conf "$conf"
  PROXY_PID=$LAST_PID
  while [ $((($(date +%s%N) - t0) / 1000000)) -lt 60000 ]; do
    if curl -sf -m 2 -o /dev/null "http://$admin/ready"; then
      STARTUP_MS=$((($(date +%s%N) - t0) / 1000000))
      return 0
    fi
    alive "$PROXY_PID" || die "$name exited: $(tail -5 "$RUN/$name.log")"
    sleep 0.01
  done
  die "$name not ready after 60 s (log: $RUN/$name.log)"
}

# The JVM's ahead-of-time cache for l4mux, made once per run by a training run (`l4mux train`):
# aot = JDK 25's AOT cache (classes loaded and linked, method profiles), cds = a JDK 17 AppCDS archive.
jvm_cache() { # aot|cds java -> path
  local kind=$1 java=$2 file opts=()
  file=$RUN/l4mux.$kind
  if [ ! -f "$file" ]; then
    [ "$(java_major "$java")" -ge 24 ] && opts+=(--sun-misc-unsafe-memory-access=allow)
    case $kind in aot) opts+=("-XX:AOTCacheOutput=$file") ;; cds) opts+=("-XX:ArchiveClassesAtExit=$file") ;; esac
    ${PROXY_PIN[@]+"${PROXY_PIN[@]}"} "$java" "${opts[@]}" -jar "$L4MUX_JAR" train 20 >"$RUN/train-$kind.log" 2>&1 \
      || die "training run for the $kind cache failed: $(tail -3 "$RUN/train-$kind.log")"
  fi
  echo "$file"
}

start_proxy() { # proxy
  case $1 in
    l4mux-aot) start_l4mux l4mux-aot "$L4MUX_JAVA2" ;;
    l4mux-cds) start_l4mux l4mux-cds "$L4MUX_JAVA" ;;
    direct) PROXY_PID="" ;;
    haproxy) start_haproxy ;;
    nginx) start_nginx ;;
    l4mux) start_l4mux l4mux "$L4MUX_JAVA" ;;
    l4mux-jdk*) start_l4mux "$1" "$L4MUX_JAVA2" ;;
    l4mux-base) start_l4mux l4mux-base "$L4MUX_JAVA" "$L4MUX_BASELINE_JAR" ;;
  esac
}

stop_proxy() { # proxy
  case $1 in
    direct) ;;
    haproxy) stop_named haproxy ;;
    nginx) stop_named 'nginx-stream*' ;;
    *) dump_jfr "$1"; stop_named "$1" ;;
  esac
}

# With L4MUX_JFR set, saves the running recording of an l4mux process as $RUN/NAME[-N].jfr.
dump_jfr() { # proxy
  [ -n "${L4MUX_JFR:-}" ] || return 0
  local java=$L4MUX_JAVA pid name file
  case $1 in l4mux-jdk*) java=$L4MUX_JAVA2 ;; esac
  java=$(readlink -f "$(command -v "$java")")
  file=$RUN/$1.jfr
  [ -e "$file" ] && file=$RUN/$1-$(date +%s).jfr
  while read -r pid name; do
    [ "$name" = "$1" ] && alive "$pid" || continue
    "$(dirname "$java")/jcmd" "$pid" JFR.dump name=bench "filename=$file" >>"$RUN/jfr.log" 2>&1 \
      && log "profile: $file" || log "JFR.dump failed, see $RUN/jfr.log"
  done <"$PIDS"
}

# ---------------------------------------------------------------------------------------------
# Measurements. Each appends "scenario proxy run metric value" rows to $RESULTS.

emit() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"; }

run_iperf() { # scenario proxy run streams
  local port out
  port=$(proxy_port "$2" raw)
  out=$RUN/iperf-$1-$2-$3.json
  ${LOAD_PIN[@]+"${LOAD_PIN[@]}"} iperf3 -c 127.0.0.1 -p "$port" -t "$SECONDS_PER_RUN" -P "$4" -J >"$out" 2>&1 || true
  python3 - "$out" "$1" "$2" "$3" >>"$RESULTS" <<'EOF' || log "iperf3 $1 via $2: no result ($out)"
import json, sys
d = json.load(open(sys.argv[1]))
bps = d["end"]["sum_received"]["bits_per_second"]
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{sys.argv[4]}\tgbps\t{bps / 1e9:.3f}")
EOF
}

# The terminating scenarios compare TLS 1.3 handshakes: a proxy that offers wrk's OpenSSL less
# (nginx 1.22's stream module defaults to TLS 1.2 and its abbreviated resumption, no key exchange)
# would measure another handshake. Checked on each proxy's first run; the run stops otherwise.
require_tls13() { # scenario proxy port
  local version="" attempt
  for attempt in 1 2 3 4 5; do # a proxy just started may not answer its first handshake yet
    version=$(timeout 5 openssl s_client -connect "127.0.0.1:$3" -servername localhost </dev/null 2>/dev/null | sed -n 's/^\(New\|Reused\), \([^,]*\), Cipher is .*/\2/p' | head -1)
    [ -n "$version" ] && break
    sleep 1
  done
  log "$1 via $2: negotiates ${version:-nothing}"
  [ "$version" = TLSv1.3 ] || die "$1 via $2 negotiated ${version:-nothing}, not TLSv1.3"
}

run_wrk() { # scenario proxy run [seconds] [traffic of this scenario, default the scenario's own]
  local scenario=$1 proxy=$2 run=$3 secs=${4:-$SECONDS_PER_RUN} kind=${5:-$1} url port args=() out cpu0 cpu1 pid
  case $kind in
    http_*) port=${WRK_PORT:-$(proxy_port "$proxy" mux-http)}; url="http://127.0.0.1:$port/"; args=(-H 'Host: www.bench.test') ;;
    lb_*) port=$(proxy_port "$proxy" lb); url="http://127.0.0.1:$port/" ;;  # 4 backends, least connections, active checks
    tls_*) port=$(proxy_port "$proxy" mux-tls); url="https://localhost:$port/" ;;  # SNI = URL host
    stock_http_*) port=$(proxy_port "$proxy" stock-http); url="http://127.0.0.1:$port/"; args=(-H 'Host: www.bench.test') ;;
    stock_tls_*) port=$(proxy_port "$proxy" stock-tls); url="https://localhost:$port/" ;;
    tlsterm_*) port=$(proxy_port "$proxy" term); url="https://localhost:$port/" ;;
    tlsreenc_*) port=$(proxy_port "$proxy" reenc); url="https://localhost:$port/" ;;  # TLS to the stock HTTPS backend
  esac
  case $kind in *_close) args+=(-H 'Connection: close') ;; esac
  case $kind:$proxy:$run in tlsterm_*:direct:* | tlsreenc_*:direct:*) ;; tlsterm_*:*:1 | tlsreenc_*:*:1) require_tls13 "$scenario" "$proxy" "$port" ;; esac
  out=$RUN/wrk-$scenario-$proxy-$run.txt
  pid=$(proxy_pid "$proxy")
  cpu0=$(tree_cpu "$pid")
  ${LOAD_PIN[@]+"${LOAD_PIN[@]}"} wrk -t "$WRK_THREADS" -c "$WRK_CONNS" -d "${secs}s" --latency "${args[@]}" "$url" >"$out" 2>&1 || true
  cpu1=$(tree_cpu "$pid")
  [ -n "$pid" ] && emit "$scenario" "$proxy" "$run" cpu_s "$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')"
  python3 - "$out" "$scenario" "$proxy" "$run" >>"$RESULTS" <<'EOF' || log "wrk $scenario via $proxy: no result ($out)"
import re, sys
text = open(sys.argv[1]).read()
key = "\t".join(sys.argv[2:5])
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
print(f"{key}\trps\t{rps:.1f}")
for pct, name in (("50", "p50_ms"), ("99", "p99_ms")):
    value = ms(re.search(r"^\s*" + pct + r"%\s+(\S+)", text, re.M).group(1))
    print(f"{key}\t{name}\t{value:.3f}")
errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors += int(m.group(1)) if m else 0
total = re.search(r"(\d+) requests in", text)
if total and int(total.group(1)) == 0:
    sys.exit(1)
print(f"{key}\terrors\t{errors}")
EOF
}

# run_udp SCENARIO PROXY RUN FLOWS WINDOW: UDP echo round trips through FLOWS flows (udpload.py,
# a closed loop with WINDOW datagrams in flight per flow). HAProxy has no UDP: not run there.
run_udp() {
  local port out
  port=$(proxy_port "$2" udp)
  out=$RUN/udp-$1-$2-$3.txt
  ${LOAD_PIN[@]+"${LOAD_PIN[@]}"} python3 "$BENCH/lib/udpload.py" load "$port" "$4" "$SECONDS_PER_RUN" "$5" >"$out" 2>&1 || true
  read -r _ dps _ p50 _ p99 _ lost <"$out" || { log "udp $1 via $2: no result ($out)"; return 0; }
  emit "$1" "$2" "$3" dps "$dps"; emit "$1" "$2" "$3" p50_ms "$p50"; emit "$1" "$2" "$3" p99_ms "$p99"
  emit "$1" "$2" "$3" lost "$lost"
}
# run_quic SCENARIO PROXY RUN: QUIC handshakes through the proxy's QUIC port (quicload.py,
# QUIC_WORKERS clients at a time, half with SNI a.bench.test, half b.bench.test), and the proxy's
# cpu per handshake. The direct path is each name's own server. HAProxy has no UDP: not run there.
QUIC_WORKERS=${BENCH_QUIC_WORKERS:-8}
run_quic() {
  local a b out pid cpu0 cpu1 loop0 loop1 hps p50 p99 failed done hz
  a=$(proxy_port "$2" quic); b=$a
  [ "$2" = direct ] && b=18444
  out=$RUN/quic-$1-$2-$3.txt
  pid=$(proxy_pid "$2")
  cpu0=$(tree_cpu "$pid"); loop0=$(loop_cpu "$pid")
  quic_client python3 "$BENCH/lib/quicload.py" load "$SECONDS_PER_RUN" "$QUIC_WORKERS" \
    "a.bench.test=$a" "b.bench.test=$b" >"$out" 2>&1 || true
  cpu1=$(tree_cpu "$pid"); loop1=$(loop_cpu "$pid")
  read -r _ hps _ p50 _ p99 _ failed _ done <"$out" || { log "quic $1 via $2: no result ($out)"; return 0; }
  emit "$1" "$2" "$3" hps "$hps"; emit "$1" "$2" "$3" p50_ms "$p50"; emit "$1" "$2" "$3" p99_ms "$p99"
  emit "$1" "$2" "$3" errors "$failed"
  if [ -n "$pid" ] && [ "${done:-0}" -gt 0 ]; then
    hz=$(getconf CLK_TCK)
    emit "$1" "$2" "$3" cpu_s "$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$hz" 'BEGIN {printf "%.2f", (b - a) / hz}')"
    emit "$1" "$2" "$3" cpu_us_per_hs "$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$hz" -v n="$done" 'BEGIN {printf "%.1f", (b - a) / hz / n * 1e6}')"
    emit "$1" "$2" "$3" loop_us_per_hs "$(awk -v a="$loop0" -v b="$loop1" -v hz="$hz" -v n="$done" 'BEGIN {printf "%.1f", (b - a) / hz / n * 1e6}')"
  fi
}

run_scenario() { # scenario proxy run
  case $1 in
    quic_handshakes) run_quic "$1" "$2" "$3" ;;
    iperf1) run_iperf "$1" "$2" "$3" 1 ;;
    iperf8) run_iperf "$1" "$2" "$3" 8 ;;
    http_close_pp) run_pp "$2" "$3" ;;
    udp1) run_udp "$1" "$2" "$3" 1 8 ;;
    udp1000) run_udp "$1" "$2" "$3" 1000 1 ;;
    *) run_wrk "$1" "$2" "$3" ;;
  esac
}

# A freshly started proxy, with wrk (stock_tls_close traffic) started the moment it is ready:
# requests/s in its first 5 s, then at steady state (the median of 3 runs of 5 s after 20 s of load).
run_first5() { # proxy run
  local proxy=$1 run=$2 r
  start_proxy "$proxy"
  log "first5 run $run via $proxy (fresh process)"
  run_wrk first5 "$proxy" "first-$run" 5 stock_tls_close
  RESULTS=/dev/null run_wrk first5 "$proxy" "load-$run" 20 stock_tls_close
  for r in 1 2 3; do run_wrk first5-steady "$proxy" "steady-$run-$r" 5 stock_tls_close; done
  stop_proxy "$proxy"
}

# http_close_pp: Connection: close through the PROXY v2 sender (pp-sender.cfg.in): HAProxy and
# l4mux each read a v2 header and send one on; l4mux is also measured without headers, through
# the same sender, as "l4mux-noheader". Other proxies have no row.
run_pp() { # proxy run
  case $1 in
    haproxy) WRK_PORT=25001 run_wrk http_close_pp haproxy "$2" ;;
    l4mux) WRK_PORT=25002 run_wrk http_close_pp l4mux "$2"; WRK_PORT=25003 run_wrk http_close_pp l4mux-noheader "$2" ;;
  esac
}

start_pp_sender() {
  local conf
  conf=$(render pp-sender.cfg.in pp-sender)
  haproxy -c -q -f "$conf" >"$RUN/pp-sender-check.log" 2>&1 || die "pp-sender config: $(cat "$RUN/pp-sender-check.log")"
  start pp-sender load haproxy -db -f "$conf"
  wait_port 25001; wait_port 25002; wait_port 25003
}

run_memory() { # proxy run
  local proxy=$1 run=$2 port before after out i line held
  port=$(proxy_port "$proxy" hold)
  start_proxy "$proxy"
  [ -n "${STARTUP_MS:-}" ] && [ "$proxy" = l4mux ] && emit startup l4mux "m$run" ms "$STARTUP_MS"
  sleep 1
  before=$(tree_rss "$PROXY_PID")
  out=$RUN/hold-$proxy-$run.txt
  start "hold-client-$proxy" load python3 "$BENCH/lib/holdconns.py" connect "$port" "$MEM_CONNS"
  line=""
  for i in $(seq 1200); do
    line=$(grep -m1 '^ready' "$RUN/hold-client-$proxy.log" || true)
    [ -n "$line" ] && break
    sleep 0.1
  done
  cp "$RUN/hold-client-$proxy.log" "$out"
  held=$(echo "$line" | awk '{print $2}')
  sleep 2
  after=$(tree_rss "$PROXY_PID")
  if [ -n "$held" ] && [ "$held" -gt 0 ]; then
    emit memory "$proxy" "$run" kib_per_conn "$(awk -v a="$after" -v b="$before" -v n="$held" 'BEGIN {printf "%.2f", (a - b) / n}')"
    [ "$held" -lt "$MEM_CONNS" ] && log "memory via $proxy: only $held of $MEM_CONNS connections held"
    log "memory via $proxy: RSS $before -> $after KiB with $held connections"
  else
    log "memory via $proxy: no connection held ($out)"
  fi
  stop_named "hold-client-$proxy"
  stop_proxy "$proxy"
  STARTUP_MS=""
}

run_jmh() {
  local cp=$RUN/test-classpath.txt
  log "JMH: compiling the benchmarks (build dir $L4MUX_BUILD_DIR)"
  (cd "$ROOT" && { mvn -B -q -o test-compile "-Dbuild.dir=$L4MUX_BUILD_DIR" || mvn -B -q test-compile "-Dbuild.dir=$L4MUX_BUILD_DIR"; } \
    && { mvn -B -q -o dependency:build-classpath -Dmdep.includeScope=test "-Dmdep.outputFile=$cp" "-Dbuild.dir=$L4MUX_BUILD_DIR" \
      || mvn -B -q dependency:build-classpath -Dmdep.includeScope=test "-Dmdep.outputFile=$cp" "-Dbuild.dir=$L4MUX_BUILD_DIR"; }) \
    >"$RUN/jmh-build.log" 2>&1 || { log "JMH: build failed, see $RUN/jmh-build.log"; return 0; }
  # shellcheck disable=SC2086
  ${PROXY_PIN[@]+"${PROXY_PIN[@]}"} "$L4MUX_JAVA" -cp "$L4MUX_BUILD_DIR/test-classes:$L4MUX_BUILD_DIR/classes:$(cat "$cp")" \
    org.openjdk.jmh.Main 'dev\.l4mux\.bench\..*' $JMH_ARGS -tu ns -bm avgt -rf json -rff "$RUN/jmh.json" \
    >"$RUN/jmh.log" 2>&1 || log "JMH: failed, see $RUN/jmh.log"
}

# ---------------------------------------------------------------------------------------------
# Smoke: every backend and proxy up, one exchange through each, everything down.

smoke() {
  local proxy port body
  for proxy in direct haproxy nginx l4mux; do
    [ "$proxy" = direct ] || start_proxy "$proxy"
    port=$(proxy_port "$proxy" mux-http)
    body=$(curl -sf -m 5 -H 'Host: www.bench.test' "http://127.0.0.1:$port/") || die "HTTP via $proxy"
    [ "$body" = www ] || die "HTTP via $proxy answered '$body'"
    for name in a b; do
      port=$(proxy_port "$proxy" mux-tls)
      [ "$proxy" = direct ] && [ "$name" = b ] && port=18444
      body=$(curl -sfk -m 5 --resolve "$name.bench.test:$port:127.0.0.1" "https://$name.bench.test:$port/") \
        || die "TLS $name.bench.test via $proxy"
      [ "$body" = "$name" ] || die "TLS $name.bench.test via $proxy answered '$body'"
    done
    port=$(proxy_port "$proxy" stock-tls)
    body=$(curl -sfk -m 5 "https://localhost:$port/") || die "stock TLS via $proxy"
    [ "$body" = stock ] || die "stock TLS via $proxy answered '$body'"
    port=$(proxy_port "$proxy" stock-http)
    body=$(curl -sf -m 5 -H 'Host: www.bench.test' "http://127.0.0.1:$port/") || die "stock HTTP via $proxy"
    [ "$body" = stock ] || die "stock HTTP via $proxy answered '$body'"
    port=$(proxy_port "$proxy" reenc)
    body=$(curl -sfk -m 5 "https://localhost:$port/") || die "re-encrypted TLS via $proxy"
    [ "$body" = stock ] || die "re-encrypted TLS via $proxy answered '$body'"
    port=$(proxy_port "$proxy" raw)
    # The iperf3 server takes one test at a time and resets a new one while the last winds down.
    local attempt
    for attempt in 1 2 3; do
      ${LOAD_PIN[@]+"${LOAD_PIN[@]}"} iperf3 -c 127.0.0.1 -p "$port" -n 1M >"$RUN/smoke-iperf-$proxy.log" 2>&1 && break
      (( attempt < 3 )) || die "iperf3 via $proxy: $(tail -3 "$RUN/smoke-iperf-$proxy.log")"
      sleep 1
    done
    port=$(proxy_port "$proxy" hold)
    timeout 20 python3 - "$BENCH/lib/holdconns.py" "$port" <<'EOF' || die "hold via $proxy"
import subprocess, sys
p = subprocess.Popen([sys.executable, sys.argv[1], "connect", sys.argv[2], "10"], stdout=subprocess.PIPE, text=True)
line = p.stdout.readline()
p.terminate(); p.wait()
sys.exit(0 if line.startswith("ready 10 ") else 1)
EOF
    port=$(proxy_port "$proxy" lb)
    body=$(curl -sf -m 5 "http://127.0.0.1:$port/") || die "balanced HTTP via $proxy"
    case $body in lb[1-4]) ;; *) die "balanced HTTP via $proxy answered '$body'" ;; esac
    local udp=""
    if [ "$proxy" != haproxy ]; then # HAProxy has no UDP
      port=$(proxy_port "$proxy" udp)
      # A cold JVM on a busy machine may take a while for its first flows: a few tries.
      for attempt in 1 2 3; do
        python3 "$BENCH/lib/udpload.py" load "$port" 2 2 1 >"$RUN/smoke-udp-$proxy.log" 2>&1 || die "UDP via $proxy"
        read -r _ dps _ <"$RUN/smoke-udp-$proxy.log"
        [ "${dps:-0}" -gt 0 ] && break
        (( attempt < 3 )) || die "UDP echo via $proxy: $(cat "$RUN/smoke-udp-$proxy.log")"
      done
      udp=", UDP echo"
      if [ -z "$QUIC_SKIP" ]; then smoke_quic "$proxy"; udp="$udp, $QUIC_CHECKED"; fi
    fi
    log "smoke: $proxy ok (HTTP by Host, TLS a/b by SNI, stock TLS and HTTP, re-encrypted TLS, iperf3, held connections, balanced HTTP$udp)"
    [ "$proxy" = direct ] || stop_proxy "$proxy"
  done
}

# One QUIC handshake and GET per server name through a proxy: l4mux routes a.bench.test and
# b.bench.test to their own servers by the SNI of the Initial; nginx cannot read it (one backend).
smoke_quic() { # proxy; sets QUIC_CHECKED (what was checked)
  local proxy=$1 name port body want
  for name in a b; do
    port=$(proxy_port "$proxy" quic)
    [ "$proxy" = direct ] && [ "$name" = b ] && port=18444
    want=$name; [ "$proxy" = nginx ] && want=a
    body=$(quic_client python3 "$BENCH/lib/quicload.py" once "$name.bench.test" "$port" 2>&1) || die "QUIC $name.bench.test via $proxy: $body"
    [ "$body" = "$want" ] || die "QUIC $name.bench.test via $proxy answered '$body'"
  done
  QUIC_CHECKED="QUIC a/b by SNI"
  [ "$proxy" = nginx ] && QUIC_CHECKED="QUIC a/b to one backend"
  return 0
}

# ---------------------------------------------------------------------------------------------

header() {
  local java2="" quic="skipped: $QUIC_SKIP"
  [ -z "$QUIC_SKIP" ] && quic="ngtcp2 $(dpkg-query -W -f='${Version}' ngtcp2-client 2>/dev/null || echo '?') gtlsclient/gtlsserver, $QUIC_WORKERS clients at a time"
  [ -n "$L4MUX_JAVA2" ] && java2=" and $(java_version "$L4MUX_JAVA2") (\`l4mux-jdk$(java_major "$L4MUX_JAVA2")\`)"
  cat <<EOF
# l4mux benchmark: $MODE run, $(date -u +%Y-%m-%d) $(date -u +%H:%M) UTC

Produced by \`bench/run.sh${ARGS:+ $ARGS}\` (see [bench/README.md](../README.md)). All traffic on loopback.

| | |
|---|---|
| machine | $(nproc) cpus ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, kernel $(uname -r) |
| JDK (l4mux) | $(java_version "$L4MUX_JAVA")$java2; options \`$L4MUX_JVM_OPTS\` |
| l4mux | $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$ROOT" && git diff --quiet HEAD -- src pom.xml 2>/dev/null || echo " + uncommitted changes"), transport ${L4MUX_TRANSPORT:-auto}$(t=$(sed -n 's/.* ready on \([a-z_]*\) with .*/\1/p' "$RUN/l4mux.log" 2>/dev/null | head -1); [ -n "$t" ] && echo " ($t)")${L4MUX_BASELINE_JAR:+; \`l4mux-base\` is $L4MUX_BASELINE_JAR}${L4MUX_BASELINE_OPTS:+ with \`$L4MUX_BASELINE_OPTS\`} |
| HAProxy | $(haproxy -v 2>&1 | head -1 | awk '{print $3}') (tcp mode, nbthread 2, maxconn 9000; $([ "$BENCH_PEER_LOGS" = on ] && echo '`option tcplog` to stdout, a file: one line per connection' || echo 'no log')) |
| nginx | $(nginx -v 2>&1 | sed 's|.*nginx/||') (stream, ssl_preread + map, worker_processes 2; $([ "$BENCH_PEER_LOGS" = on ] && echo 'stream `access_log` to a file, `buffer=64k`: one line per session' || echo 'no access log')) |
| QUIC (quic_handshakes) | $quic |
| iperf3 / wrk | $(iperf3 --version | head -1 | awk '{print $2}') / $(wrk -v 2>&1 | head -1 | awk '{print $2}') (wrk -t$WRK_THREADS -c$WRK_CONNS) |
| runs | $RUNS per proxy and scenario, ${SECONDS_PER_RUN} s each, alternated; memory: $MEM_CONNS connections, $MEM_RUNS run(s) |
| CPU pinning (taskset) | $PINNING |
| load average at start / end | $LOAD_START / $(cut -d' ' -f1-3 /proc/loadavg) |
| other busy processes at start | $BUSY_START |
EOF
}

main() {
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 20000 2>/dev/null || true
  LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
  BUSY_START=$(ps -eo pcpu=,comm= --sort=-pcpu | awk '$1 >= 5 {printf "%s%s (%s%%)", sep, $2, $1; sep=", "}')
  BUSY_START=${BUSY_START:-none above 5% cpu}
  log "mode $MODE, run dir $RUN, fd limit $(ulimit -n)"
  install_tools
  check_quic
  ensure_jar
  make_certs
  start_backends

  if [ "$MODE" = smoke ]; then
    smoke
    log "smoke ok"
    return 0
  fi

  local proxies=${BENCH_PROXIES:-direct haproxy nginx l4mux} java2="" s p r list
  [ -n "$L4MUX_BASELINE_JAR" ] && proxies="$proxies l4mux-base"
  [ -n "$L4MUX_JAVA2" ] && java2="l4mux-jdk$(java_major "$L4MUX_JAVA2")"
  local traffic=""
  for s in $SCENARIOS; do
    case $s in
      quic_*) if [ -n "$QUIC_SKIP" ]; then log "$s skipped: $QUIC_SKIP"; else traffic="$traffic $s"; fi ;;
      iperf* | http_* | tls_* | udp* | stock_* | lb_* | tlsterm_* | tlsreenc_*) traffic="$traffic $s" ;;
    esac
  done
  if [ -n "$traffic" ]; then
    for p in $proxies $java2; do [ "$p" = direct ] || start_proxy "$p"; done
    case " $traffic " in *" http_close_pp "*) start_pp_sender ;; esac
    for s in $traffic; do
      list=$proxies
      case $s in udp* | quic_*) list=$(echo " $list " | sed 's/ haproxy / /; s/^ //; s/ $//') ;; esac # HAProxy has no UDP
      case " $JAVA2_SCENARIOS " in *" $s "*) [ -n "$java2" ] && list="$list $java2" ;; esac
      for p in $list; do # a JVM compiles its hot paths first: runs discarded until its JIT is quiet
        case $p in l4mux*) warm_up "$s" "$p" ;; esac
      done
      if [ "$MODE" = long ]; then # one process per proxy through all its runs, back to back
        for p in $list; do
          for r in $(seq "$RUNS"); do
            log "$s run $r/$RUNS via $p (back to back)"
            run_scenario "$s" "$p" "$r"
          done
        done
        continue
      fi
      for r in $(seq "$RUNS"); do
        for p in $list; do
          log "$s run $r/$RUNS via $p"
          run_scenario "$s" "$p" "$r"
        done
      done
    done
    for p in $java2 $proxies; do stop_proxy "$p"; done
    case " $traffic " in *" http_close_pp "*) stop_named pp-sender ;; esac
  fi

  case " $SCENARIOS " in *" first5 "*)
    for r in $(seq "$FIRST5_RUNS"); do
      for p in haproxy l4mux l4mux-cds $java2 ${java2:+l4mux-aot}; do run_first5 "$p" "$r"; done
    done ;;
  esac
  case " $SCENARIOS " in *" memory "*)
    for r in $(seq "$MEM_RUNS"); do
      for p in $proxies; do
        [ "$p" = direct ] && continue
        log "memory run $r/$MEM_RUNS via $p"; run_memory "$p" "$r"
      done
    done ;;
  esac
  case " $SCENARIOS " in *" startup "*)
    for r in $(seq "$STARTUP_RUNS"); do
      start_l4mux l4mux "$L4MUX_JAVA"; emit startup l4mux "$r" ms "$STARTUP_MS"; stop_proxy l4mux
    done ;;
  esac
  case " $SCENARIOS " in *" jmh "*) run_jmh ;; esac

  mkdir -p "$BENCH/results"
  header >"$RUN/header.md"
  python3 "$BENCH/lib/report.py" "$RESULTS" "$RUN/header.md" "$RUN/jmh.json" >"$BENCH/results/latest.md"
  log "results: $BENCH/results/latest.md (raw: $RESULTS); took ${SECONDS} s"
  cat "$BENCH/results/latest.md"
}

