#!/usr/bin/env bash
# ztunnel data-plane benchmark, in network namespaces as the mesh lab builds them (DESIGN §5): a
# client pod on node 1 (10.244.1.10) and a server pod on node 2 (10.244.2.10), the nodes' bridges
# joined by a router namespace. Three paths measured in one run:
#   direct   client → server over TCP (the limit)
#   haproxy  client → HAProxy → mutual TLS 1.3 → HAProxy → server, TCP mode (the peer)
#   ztunnel  client → ztunnel (HBONE) → ztunnel → server, captured in-pod (see run_ztunnel_path)
# For each: iperf3 throughput with 1 and 8 streams; latency of 1 KB request/response at a fixed
# 1,000 requests/s, open loop, from the scheduled send time; proxy CPU seconds per GB and per
# 1,000 requests/s; proxy RSS. Needs root; installs haproxy and iperf3 with apt-get if missing.
# Usage: bench/ztunnel.sh
# Environment (defaults): BENCH_SECONDS (10) per measured run, BENCH_WARMUP (5) s of each traffic
# shape per warm-up round before a path is measured (see warm_up: a JVM proxy is warmed in rounds
# until its JIT settles, BENCH_WARM_SETTLED (0.5) s of compiler-thread CPU in a round, at most
# BENCH_WARM_MAX (180) s), BENCH_RATE (1000) requests/s, BENCH_SIZE (1024) bytes per
# request and answer, BENCH_CONNECTIONS (4) persistent connections for the latency run,
# BENCH_REPEAT (5) runs of the 8-stream step per path (every one must pass: an iperf3 error on any
# run fails the benchmark, with the count, as issue 12 asks; the median is reported),
# BENCH_PATHS ("direct haproxy ztunnel") the paths to run, BENCH_BUILD (1; 0 = use the jars already built), BENCH_EXTRA_PODS (100) idle pods added
# to node 2 before the ztunnel path's load (issue 12: idle RSS with 100 captured pods, cost per pod), ZTUNNEL_JAVA_OPTS (the flags in
# services/ztunnel/jvm.options, as the lab starts it) for the two ztunnel JVMs ("{node}" in them is replaced by
# node-1 or node-2, e.g. for a per-node -XX:AOTCacheOutput= file), ZTUNNEL_JAR (services/ztunnel/target/ztunnel.jar;
# an AOT cache needs the jar extracted with -Djarmode=tools), STOP_GRACE (5) s a stopped process has to exit
# (an AOT training run writes its cache at exit), BENCH_SHAPES ("stream latency connect") the traffic shapes
# to warm and measure: stream = iperf3, latency = the request/response load, connect = a new TCP connection
# per request (ConnectClient: connect, 1 byte there and back, close), open loop at BENCH_CONNECT_RATE (200)
# connections/s for set-up latency p50/p90/p99, then closed loop with BENCH_CONNECT_WORKERS (4) threads for
# connections/s.
# BENCH_PROFILE (unset; a directory: perf record of each proxy
# and its system calls per MB during its 1-stream run, then 1 s of strace, see bench/lib/profile.sh). Exits non-zero when any step failed.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-5}
RATE=${BENCH_RATE:-1000}
SIZE=${BENCH_SIZE:-1024}
CONNECTIONS=${BENCH_CONNECTIONS:-4}
REPEAT=${BENCH_REPEAT:-5}
PATHS=${BENCH_PATHS:-direct haproxy ztunnel}
SHAPES=${BENCH_SHAPES:-stream latency connect}
CONNECT_RATE=${BENCH_CONNECT_RATE:-200}
CONNECT_WORKERS=${BENCH_CONNECT_WORKERS:-4}
[[ "$CONNECT_RATE" =~ ^[1-9][0-9]*$ && "$CONNECT_WORKERS" =~ ^[1-9][0-9]*$ ]] \
  || { echo "ztunnel.sh: BENCH_CONNECT_RATE and BENCH_CONNECT_WORKERS must be positive numbers" >&2; exit 2; }
for s in $SHAPES; do
  case $s in stream|latency|connect) ;; *) echo "ztunnel.sh: BENCH_SHAPES: unknown shape '$s' (stream, latency, connect)" >&2; exit 2;; esac
done
shape() { [[ " $SHAPES " == *" $1 "* ]]; }
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || { echo "ztunnel.sh: BENCH_REPEAT must be a positive number, not '$REPEAT'" >&2; exit 2; }
for p in $PATHS; do
  case $p in direct|haproxy|ztunnel) ;; *) echo "ztunnel.sh: BENCH_PATHS: unknown path '$p' (direct, haproxy, ztunnel)" >&2; exit 2;; esac
done

# Every namespace this script makes starts with PREFIX (the topology kit's links live inside them),
# so a crashed run's leftovers are found and removed by name.
PREFIX=ambt-bz-
NS_ROUTER=${PREFIX}router
NS_CLIENT=${PREFIX}client
NS_SERVER=${PREFIX}server
CLIENT_IP=10.244.1.10
SERVER_IP=10.244.2.10
IPERF_PORT=5201
ECHO_PORT=7070
# HAProxy A (client pod, loopback) and B (server pod) ports, one pair per service
HA_CLIENT_IPERF=16201 HA_CLIENT_ECHO=16270 HA_SERVER_IPERF=26201 HA_SERVER_ECHO=26270

BENCH_NAME=ztunnel.sh
. bench/lib/common.sh # free_port, die, spawn/stop, cpu_ticks, rss_kib, make_certs, ...
. bench/lib/profile.sh # profile_proxies, profile_summary (BENCH_PROFILE)

require_root
require_tools haproxy=haproxy iperf3=iperf3 openssl=openssl python3=python3 ip=iproute2 ss=iproute2

JAVA_HOME=$(./mesh java-home); export JAVA_HOME
# BENCH_BUILD=0 skips the build (jars already built from this tree): quicker repeated runs while tuning.
[ "${BENCH_BUILD:-1}" = 0 ] || mvn -B -ntp -q -pl bench/jmh,services/ca-service,services/ztunnel,workloads/echo -am -DskipTests install
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
JAR=bench/jmh/target/benchmarks.jar
CLK_TCK=$(getconf CLK_TCK)

work=$(mktemp -d)
results="$work/results"
: >"$results"
: >"$work/iperf-runs"

# --- the lab: namespaces, bridges, router ---------------------------------------------------

remove_lab() { # kills what runs inside and deletes every namespace with the prefix (a crashed run's too)
  topology down "$PREFIX" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ ${#PIDS[@]} -gt 0 ] && stop "${PIDS[@]}"
  remove_lab
  finish_run ztunnel
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The lab's shape, built by the lab's own topology kit (libs/netns, io.ambit.netns.topology): node
# n's pods hang off a bridge in node n's namespace (10.244.<n>.1/24), the nodes' uplinks meet in a
# router namespace. Nothing is routed anywhere else: the router has no default route.
# (SLF4J's "no provider" notice dropped: the kit logs nothing the script needs; its errors stay)
topology() { "${JAVA[@]}" -cp "$JAR" io.ambit.netns.topology.TopologyMain "$@" >/dev/null 2> >(grep -v '^SLF4J' >&2); }
make_lab() {
  topology up "$PREFIX" 10.244 2 "client:1:$CLIENT_IP" "server:2:$SERVER_IP"
}

# --- measurement, the same for every path ---------------------------------------------------

# iperf3 from the client pod: prints "<bits/s> <bytes received>"; fails with iperf3's error.
iperf() {
  local host=$1 port=$2 streams=$3 seconds=$4 json=$5
  if ! timeout --foreground $((seconds + 30)) ip netns exec "$NS_CLIENT" \
      iperf3 -c "$host" -p "$port" -P "$streams" -t "$seconds" --connect-timeout 5000 -J >"$json" 2>"$json.err"; then
    echo "iperf3 failed: $(python3 -c 'import json,sys; t=sys.stdin.read(); print(json.loads(t[t.index("{"):]).get("error", "?"))' <"$json" 2>/dev/null \
      || tail -3 "$json.err")" >&2
    return 1
  fi
  # iperf3 can exit 0 with an error in its JSON ("control socket has closed unexpectedly"), and
  # prints warnings before the JSON: both count as a failed run.
  python3 -c '
import json, sys
text = sys.stdin.read()
d = json.loads(text[text.index("{"):])
if d.get("error"):
    sys.exit("iperf3 failed: " + d["error"])
s = d["end"]["sum_received"]
print(s["bits_per_second"], s["bytes"])' <"$json"
}

# iperf_error JSON: what went wrong in one iperf3 run (its JSON's error, else its stderr).
iperf_error() {
  python3 -c 'import json,sys; t=sys.stdin.read(); print(json.loads(t[t.index("{"):])["error"])' <"$1" 2>/dev/null \
    || tail -c 300 "$1.err" 2>/dev/null
}

# warm_up NAME HOST IPERF_PORT ECHO_PORT [PROXY_PID...]: every traffic shape the measured runs then
# use, WARMUP s each (iperf3 with 1 stream, with 8 streams, the 1 KB request/response load, connection
# set-up), in rounds until a JVM proxy's JIT has settled (warm_in_rounds in lib/common.sh): warming only
# with bulk traffic left the 1-stream and request/response runs recompiling while measured.
warm_up() {
  local name=$1 host=$2 iperf_port=$3 echo_port=$4; shift 4
  warm_round() {
    local streams
    shape stream && for streams in 1 8; do
      iperf "$host" "$iperf_port" "$streams" "$WARMUP" "$work/iperf-$name-warmup.json" >/dev/null \
        || { echo "  $name: FAILED: warm-up iperf3 with $streams stream(s): $(iperf_error "$work/iperf-$name-warmup.json")" >&2; touch "$work/failed"; }
    done
    shape latency && { timeout --foreground $((WARMUP + 60)) ip netns exec "$NS_CLIENT" "${JAVA[@]}" -cp "$JAR" \
      io.ambit.bench.ztunnel.LatencyClient "$name-warm-up" "$host:$echo_port" "$RATE" "$WARMUP" "$CONNECTIONS" \
      0 "$SIZE" "$CLK_TCK" "" >"$work/latency-$name-warm-up.out" 2>&1 \
      || { echo "  $name: FAILED: warm-up request/response load: $(tail -1 "$work/latency-$name-warm-up.out")" >&2; touch "$work/failed"; }; }
    shape connect && { timeout --foreground $((2 * WARMUP + 60)) ip netns exec "$NS_CLIENT" "${JAVA[@]}" -cp "$JAR" \
      io.ambit.bench.ztunnel.ConnectClient "$name-warm-up" "$host:$echo_port" "$CONNECT_RATE" "$WARMUP" "$CONNECT_WORKERS" 0 \
      >"$work/connect-$name-warm-up.out" 2>&1 \
      || { echo "  $name: FAILED: warm-up connection set-up load: $(tail -1 "$work/connect-$name-warm-up.out")" >&2; touch "$work/failed"; }; }
  }
  warm_in_rounds "$name" "$SHAPES" warm_round "$@"
}

# measure_path NAME HOST IPERF_PORT ECHO_PORT [PROXY_PID...]: measures the path a client in the
# client pod takes to HOST:IPERF_PORT (iperf3) and HOST:ECHO_PORT (echo), and appends RESULT lines.
# CPU and RSS are those of the PROXY_PIDs; without them (direct) there are none. A failed step is
# reported and leaves its figures empty ("-" in the summary); the other steps still run.
measure_path() {
  local name=$1 host=$2 iperf_port=$3 echo_port=$4; shift 4
  local pids=("$@") streams before after bps bytes ticks pid_list
  pid_list=$(IFS=,; echo "${pids[*]}")
  warm_up "$name" "$host" "$iperf_port" "$echo_port" "${pids[@]}"
  # One stream once; eight streams REPEAT times, since a multiplexing proxy can fail only now and
  # then (issue 12: iperf3's control connection dying beside its data streams). CPU and bytes
  # count over all runs; the throughput reported is the median of the runs that passed.
  local runs run failures all_bps jit_before=""
  [ ${#pids[@]} -gt 0 ] && jit_before=$(jit_cpu_seconds "${pids[@]}")
  local all_streams=""
  shape stream && all_streams="1 8"
  for streams in $all_streams; do
    runs=1; [ "$streams" = 8 ] && runs=$REPEAT
    failures=0 all_bps=() bytes=0 ticks=-
    [ ${#pids[@]} -gt 0 ] && before=$(cpu_ticks "${pids[@]}")
    local profiler=""
    if [ -n "${BENCH_PROFILE:-}" ] && [ ${#pids[@]} -gt 0 ] && [ "$streams" = 1 ]; then
      profile_proxies "$BENCH_PROFILE" "$name" "$SECONDS_PER_RUN" "${pids[@]}" & profiler=$!
    fi
    for run in $(seq "$runs"); do
      local json=$work/iperf-$name-$streams-$run.json got_bps got_bytes
      if read -r got_bps got_bytes < <(iperf "$host" "$iperf_port" "$streams" "$SECONDS_PER_RUN" "$json"); then
        all_bps+=("$got_bps"); bytes=$((bytes + got_bytes))
        [ "$runs" -gt 1 ] && printf '  %-8s iperf3 %d streams, run %d of %d: %s Gbit/s\n' "$name" "$streams" "$run" "$runs" \
          "$(awk -v b="$got_bps" 'BEGIN { printf "%.2f", b / 1e9 }')"
      else
        failures=$((failures + 1))
        echo "  $name: FAILED: iperf3 with $streams stream(s), run $run of $runs: $(iperf_error "$json")" >&2
        touch "$work/failed"
      fi
    done
    [ -z "$profiler" ] || wait "$profiler" || echo "  $name: the profiler failed (BENCH_PROFILE)" >&2
    [ ${#pids[@]} -gt 0 ] && { after=$(cpu_ticks "${pids[@]}"); ticks=$((after - before)); }
    echo "IPERF $name $streams $runs $failures" >>"$work/iperf-runs"
    [ ${#all_bps[@]} -gt 0 ] || continue
    bps=$(printf '%s\n' "${all_bps[@]}" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    echo "RESULT $name tput-$streams $(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }') $bytes $ticks" >>"$results"
    printf '  %-8s iperf3 %d stream(s): %s Gbit/s%s\n' "$name" "$streams" "$(awk -v b="$bps" 'BEGIN { printf "%.2f", b / 1e9 }')" \
      "$([ "$runs" -gt 1 ] && echo " (median of $((runs - failures)) passing runs, $failures failed)")"
    [ "$ticks" != - ] && printf '  %-8s   %s ms of CPU per MB (both proxies)\n' "$name" \
      "$(awk -v t="$ticks" -v c="$CLK_TCK" -v b="$bytes" 'BEGIN { printf "%.2f", t / c * 1000 * 1e6 / b }')"
    [ -n "$profiler" ] && profile_summary "$BENCH_PROFILE" "$name" "$SECONDS_PER_RUN" "$bps"
  done
  if ! shape latency; then
    :
  elif timeout --foreground $((WARMUP + SECONDS_PER_RUN + 60)) ip netns exec "$NS_CLIENT" "${JAVA[@]}" -cp "$JAR" \
      io.ambit.bench.ztunnel.LatencyClient "$name" "$host:$echo_port" "$RATE" "$SECONDS_PER_RUN" "$CONNECTIONS" \
      "$WARMUP" "$SIZE" "$CLK_TCK" "$pid_list" >"$work/latency-$name.out" 2>&1; then
    grep '^RESULT' "$work/latency-$name.out" >>"$results"
    grep -v '^RESULT' "$work/latency-$name.out" | sed 's/^/  /'
  else
    echo "  $name: latency run failed:" >&2
    touch "$work/failed"
    tail -5 "$work/latency-$name.out" | sed 's/^/    /' >&2
  fi
  # A new TCP connection per request: the proxies' set-up path (ztunnel: a new HBONE stream and a
  # socket opened in the destination pod's namespace; HAProxy: a new mutual-TLS connection).
  if ! shape connect; then
    :
  elif timeout --foreground $((WARMUP + 2 * SECONDS_PER_RUN + 60)) ip netns exec "$NS_CLIENT" "${JAVA[@]}" -cp "$JAR" \
      io.ambit.bench.ztunnel.ConnectClient "$name" "$host:$echo_port" "$CONNECT_RATE" "$SECONDS_PER_RUN" \
      "$CONNECT_WORKERS" "$WARMUP" >"$work/connect-$name.out" 2>&1; then
    grep '^RESULT' "$work/connect-$name.out" >>"$results"
    grep -v '^RESULT' "$work/connect-$name.out" | sed 's/^/  /'
  else
    echo "  $name: FAILED: connection set-up run:" >&2
    touch "$work/failed"
    tail -5 "$work/connect-$name.out" | sed 's/^/    /' >&2
  fi
  if [ -n "$jit_before" ]; then
    printf '  %-8s JIT compilation during the measured runs: %s s (both JVMs; %s s before them)\n' "$name" \
      "$(awk -v a="$(jit_cpu_seconds "${pids[@]}")" -v b="$jit_before" 'BEGIN { printf "%.2f", a - b }')" "$jit_before"
  fi
  [ ${#pids[@]} -gt 0 ] && echo "RESULT $name rss-kib $(rss_kib "${pids[@]}")" >>"$results"
  [ ${#pids[@]} -gt 0 ] && idle_cost "$name" "$host" "$echo_port" "${pids[@]}"
  return 0
}

# idle_cost NAME HOST PORT PID...: the proxies' RSS with IDLE_CONNECTIONS more idle connections
# open through them (issue 12: marginal cost per idle connection), read after they all answered.
IDLE_CONNECTIONS=${BENCH_IDLE_CONNECTIONS:-1000}
idle_cost() {
  local name=$1 host=$2 port=$3; shift 3
  local before after ready=$work/idle-$name.ready holder
  before=$(rss_kib "$@" | cut -d' ' -f1)
  ip netns exec "$NS_CLIENT" python3 - "$host" "$port" "$IDLE_CONNECTIONS" "$ready" <<'PY' 2>"$work/idle-$name.log" &
import resource, socket, sys, time
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
host, port, count, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conns = []
for _ in range(count):
    s = socket.create_connection((host, port), timeout=30)
    s.sendall(b"x")
    conns.append(s)
for s in conns:  # every one answered: its tunnel is up end to end
    if s.recv(1) != b"x":
        sys.exit("no echo")
open(ready, "w").close()
time.sleep(120)
PY
  holder=$!
  local i
  for i in $(seq 600); do [ -f "$ready" ] && break; kill -0 "$holder" 2>/dev/null || break; sleep 0.1; done
  if [ -f "$ready" ]; then
    sleep 1 # let the proxies settle (lazy allocations after the last answer)
    after=$(rss_kib "$@" | cut -d' ' -f1)
    echo "RESULT $name idle-kib $(( (after - before) * 1024 / IDLE_CONNECTIONS ))" >>"$results"
    printf '  %-8s %d idle connections: proxy RSS %d -> %d MiB (%d KiB each)\n' "$name" "$IDLE_CONNECTIONS" \
      $((before / 1024)) $((after / 1024)) $(( (after - before) / IDLE_CONNECTIONS ))
  else
    echo "  $name: FAILED: $IDLE_CONNECTIONS idle connections did not all open and answer: $(tail -1 "$work/idle-$name.log")" >&2
    touch "$work/failed"
  fi
  kill "$holder" 2>/dev/null || true
  wait "$holder" 2>/dev/null || true
}

# --- the three paths ------------------------------------------------------------------------

run_direct_path() {
  echo "direct: client pod → $SERVER_IP"
  measure_path direct "$SERVER_IP" "$IPERF_PORT" "$ECHO_PORT"
}

# Proves the peer does what it claims before it is measured: TLS 1.3 with an AES-GCM suite and a
# verified server chain, and a client without a certificate refused.
check_haproxy_tls() {
  local c=$work/certs out refused
  out=$(echo ping | ip netns exec "$NS_CLIENT" timeout 5 openssl s_client -connect "$SERVER_IP:$HA_SERVER_ECHO" -brief \
    -cert "$c/client.crt" -key "$c/client.key" -CAfile "$c/root.pem" -verify_return_error 2>&1) || true
  grep -q '^Protocol version: TLSv1.3' <<<"$out" && grep -q '^Ciphersuite: TLS_AES_.*_GCM_' <<<"$out" \
    && grep -q '^Verification: OK' <<<"$out" || { echo "$out" >&2; die "HAProxy B does not speak mutual TLS 1.3 with AES-GCM as configured"; }
  # TLS 1.3 refuses a missing client certificate after the handshake: keep reading (-ign_eof) until the alert
  refused=$(echo ping | ip netns exec "$NS_CLIENT" timeout 5 openssl s_client -connect "$SERVER_IP:$HA_SERVER_ECHO" -brief \
    -CAfile "$c/root.pem" -ign_eof 2>&1) || true
  grep -q 'alert certificate required' <<<"$refused" \
    || { echo "$refused" >&2; die "HAProxy B accepted a client without a certificate"; }
  echo "  checked: $(sed -n 's/^Ciphersuite: //p' <<<"$out") over TLS 1.3, key exchange $(sed -n 's/^Server Temp Key: //p' <<<"$out"), server chain verified; a client without a certificate is refused"
}

# HAProxy A in the client pod takes plain TCP on loopback and opens mutual TLS 1.3 (AES-GCM
# suites only, chain checked against the bench root) to HAProxy B in the server pod, which
# requires and checks the client's certificate and forwards to the server on loopback. One
# listener pair per service, where ztunnel multiplexes both on 15008. HAProxy checks the chain,
# not the SPIFFE ID in the URI SAN (it has no fetch for URI SANs); ztunnel checks both.
run_haproxy_path() {
  local d=$work/haproxy c=$work/certs a_pid b_pid
  mkdir -p "$d"
  make_certs "$c" client server
  { haproxy_tls_globals; cat <<EOF

defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
EOF
  } >"$d/common.cfg"
  cat "$d/common.cfg" - >"$d/client.cfg" <<EOF

listen iperf
  bind 127.0.0.1:$HA_CLIENT_IPERF
  server b $SERVER_IP:$HA_SERVER_IPERF ssl crt $c/client.pem ca-file $c/root.pem verify required

listen echo
  bind 127.0.0.1:$HA_CLIENT_ECHO
  server b $SERVER_IP:$HA_SERVER_ECHO ssl crt $c/client.pem ca-file $c/root.pem verify required
EOF
  cat "$d/common.cfg" - >"$d/server.cfg" <<EOF

listen iperf
  bind $SERVER_IP:$HA_SERVER_IPERF ssl crt $c/server.pem ca-file $c/root.pem verify required
  server s 127.0.0.1:$IPERF_PORT

listen echo
  bind $SERVER_IP:$HA_SERVER_ECHO ssl crt $c/server.pem ca-file $c/root.pem verify required
  server s 127.0.0.1:$ECHO_PORT
EOF
  spawn "$NS_SERVER" "$d/server.log" haproxy -db -f "$d/server.cfg"; b_pid=$SPAWNED
  spawn "$NS_CLIENT" "$d/client.log" haproxy -db -f "$d/client.cfg"; a_pid=$SPAWNED
  wait_listening "$NS_SERVER" "$HA_SERVER_ECHO" "$b_pid" "$d/server.log"
  wait_listening "$NS_CLIENT" "$HA_CLIENT_ECHO" "$a_pid" "$d/client.log"
  echo "haproxy: client pod → 127.0.0.1 (HAProxy A) → mutual TLS 1.3 → $SERVER_IP (HAProxy B) → server; $(haproxy -v | head -1 | cut -d' ' -f1-3)"
  check_haproxy_tls
  measure_path haproxy 127.0.0.1 "$HA_CLIENT_IPERF" "$HA_CLIENT_ECHO" "$a_pid" "$b_pid"
  stop "$a_pid" "$b_pid"
}

# pod_cost ZTUNNEL_PID HTTP_PORT ADMIN_PORT MESH_YAML: issue 12's "idle with 100 captured pods"
# and marginal cost per pod. Before any traffic, node 2's ztunnel (one pod captured) is read
# (RSS, and heap used after a full GC); then EXTRA_PODS more pod namespaces join node 2's bridge,
# are added to the watched local config as HBONE workloads (same service account, so no new
# certificate: the cost is the pod's state and capture), and once all are captured it is read
# again. The pods stay (idle) for the rest of the run.
EXTRA_PODS=${BENCH_EXTRA_PODS:-100}
# How long the ztunnels may take to start and capture their pods (a Spring Boot start on 2 busy cores: 100 s seen at load 14)
READY_TIMEOUT=${BENCH_READY_TIMEOUT:-300}
pod_cost() {
  local pid=$1 http=$2 admin=$3 mesh=$4 n ns ip want captured i
  heap_used() { # bytes of heap in use, right after a full GC
    "$JAVA_HOME/bin/jcmd" "$pid" GC.run >/dev/null
    curl -sf "http://127.0.0.1:$http/actuator/prometheus" \
      | awk '/^jvm_memory_used_bytes\{/ && /area="heap"/ { s += $NF } END { printf "%d", s }'
  }
  local heap0 rss0 heap1 rss1
  heap0=$(heap_used); rss0=$(rss_kib "$pid" | cut -d' ' -f1)
  local specs=()
  for n in $(seq 1 "$EXTRA_PODS"); do
    ip=10.244.2.$((100 + n))
    specs+=("i$n:2:$ip")
    printf '  - {uid: "Kubernetes//Pod/bench/idle-%d", name: idle-%d, workloadName: idle, namespace: bench, addresses: ["%s"],\n     tunnelProtocol: HBONE, trustDomain: cluster.local, serviceAccount: server, node: node-2}\n' \
      "$n" "$n" "$ip" >>"$mesh.new"
  done
  topology add-pod "$PREFIX" 10.244 2 "${specs[@]}"
  cat "$mesh" "$mesh.new" >"$mesh.tmp" && mv "$mesh.tmp" "$mesh" # one change for the watcher
  want=$((EXTRA_PODS + 1))
  for i in $(seq 600); do
    captured=$(curl -sf "http://127.0.0.1:$admin/config_dump" \
      | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["capture"]["pods"]))' 2>/dev/null || echo 0)
    [ "$captured" -ge "$want" ] && break
    sleep 0.2
  done
  if [ "$captured" -lt "$want" ]; then
    echo "  pods: only $captured of $want pods captured by node-2's ztunnel after 120 s; pod cost not measured" >&2
    touch "$work/failed"
    return
  fi
  sleep 1 # let the capture settle
  heap1=$(heap_used); rss1=$(rss_kib "$pid" | cut -d' ' -f1)
  echo "RESULT ztunnel pods-rss-kib $rss1 $(( (rss1 - rss0) / EXTRA_PODS ))" >>"$results"
  echo "RESULT ztunnel pods-heap-kib $((heap1 / 1024)) $(( (heap1 - heap0) / 1024 / EXTRA_PODS ))" >>"$results"
  printf '  pods: node-2 ztunnel, idle, 1 -> %d captured pods: RSS %d -> %d MiB (%d KiB per pod), heap after GC %d -> %d KiB (%d KiB per pod)\n' \
    "$want" $((rss0 / 1024)) $((rss1 / 1024)) $(( (rss1 - rss0) / EXTRA_PODS )) $((heap0 / 1024)) $((heap1 / 1024)) \
    $(( (heap1 - heap0) / 1024 / EXTRA_PODS ))
}

# The ztunnel path. CONTRACT, for whoever wires it:
#   Given: the client pod namespace $NS_CLIENT (IP $CLIENT_IP, on lab node 1) and the server pod
#     namespace $NS_SERVER (IP $SERVER_IP, node 2), both already up and routed through
#     $NS_ROUTER (make_lab); in the server pod, iperf3 -s
#     listens on $IPERF_PORT and the echo server on $ECHO_PORT (all addresses). $work is this
#     run's scratch directory (use $work/ztunnel/, removed at exit); "${JAVA[@]}" runs JDK 25.
#     It runs last: the HAProxy pair is already stopped, and capture may take all the pods' TCP.
#   Must: start one ztunnel per node (and whatever it needs: CA, xds-server in local mode with the
#     two pods as HBONE workloads on node-1 / node-2) with `spawn - LOG CMD...` for processes in
#     this namespace or `spawn NS LOG CMD...` inside one, so the exit trap stops them on error or
#     Ctrl-C (spawn the java command itself, not a wrapper script, so that $SPAWNED is the JVM
#     whose /proc entry is read; `wait_listening NS PORT PID LOG` waits for a listener); use free
#     ports on loopback (another Ambit may be running); never send a packet outside the lab's
#     namespaces. Wait until both pods are captured, so that a plain connect from
#     $NS_CLIENT to $SERVER_IP:$IPERF_PORT and :$ECHO_PORT goes client → ztunnel (outbound 15001)
#     → HBONE → ztunnel (15008) → server, and prove it once (e.g. a ztunnel metric or access-log
#     line) before measuring; then call
#         measure_path ztunnel "$SERVER_IP" "$IPERF_PORT" "$ECHO_PORT" <node-1 ztunnel pid> <node-2 ztunnel pid>
#     (the two data-plane processes only: their CPU and RSS are what is compared with HAProxy).
#   After: `stop` every pid it spawned, and remove the redirect rules it installed (the
#     namespaces, and rules with them, are deleted at exit anyway, but nothing may keep running).
#   Until then it records nothing, and the summary shows "-" for ztunnel.
run_ztunnel_path() {
  # The real jars: ca-service (local mode: the two pods, one bootstrap token per node) and one
  # ztunnel per lab node, each fed the same local config (the pods as HBONE workloads), so no
  # xds-server is needed. Each ztunnel finds its pod's namespace by IP, opens 15001/15006/15008
  # inside it and installs the redirect rules: the client and server are plain, unaware processes.
  local dir=$work/ztunnel node
  mkdir -p "$dir/ca-config" "$dir/tokens"
  cat >"$dir/ca-config/pods.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: bench}
spec: {nodeName: node-1, serviceAccountName: client}
status: {podIP: $CLIENT_IP}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: bench}
spec: {nodeName: node-2, serviceAccountName: server}
status: {podIP: $SERVER_IP}
YAML
  cat >"$dir/mesh.yaml" <<YAML
workloads:
  - {uid: "Kubernetes//Pod/bench/client", name: client, workloadName: client, namespace: bench, addresses: ["$CLIENT_IP"],
     tunnelProtocol: HBONE, trustDomain: cluster.local, serviceAccount: client, node: node-1}
  - {uid: "Kubernetes//Pod/bench/server", name: server, workloadName: server, namespace: bench, addresses: ["$SERVER_IP"],
     tunnelProtocol: HBONE, trustDomain: cluster.local, serviceAccount: server, node: node-2}
YAML
  for node in node-1 node-2; do
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/tokens/$node")
  done
  local ca_grpc ca_http
  ca_grpc=$(free_port); ca_http=$(free_port)
  spawn - "$dir/ca-service.log" "${JAVA[@]}" -jar services/ca-service/target/ca-service.jar \
    --server.port="$ca_http" --management.server.port="$ca_http" --ambit.ca.grpc.port="$ca_grpc" \
    --ambit.ca.grpc.address=127.0.0.1 --ambit.ca.state-dir="$dir/ca" --ambit.ca.local.config-dir="$dir/ca-config" \
    --ambit.ca.local.store-url= \
    --ambit.ca.local.node-token-files.node-1="$dir/tokens/node-1" \
    --ambit.ca.local.node-token-files.node-2="$dir/tokens/node-2"
  local ca_pid=$SPAWNED
  local -a zt_pids=() zt_http=() zt_admin=()
  for node in node-1 node-2; do
    local http admin
    http=$(free_port); admin=$(free_port)
    local opts=${ZTUNNEL_JAVA_OPTS:-$(grep -v '^ *#' services/ztunnel/jvm.options | xargs)}
    # shellcheck disable=SC2086 # the options are words
    spawn - "$dir/ztunnel-$node.log" "${JAVA[@]}" ${opts//\{node\}/$node} -jar "${ZTUNNEL_JAR:-services/ztunnel/target/ztunnel.jar}" \
      --server.port="$http" --management.server.port="$http" --ambit.ztunnel.admin-port="$admin" \
      --ambit.ztunnel.node="$node" --ambit.ztunnel.token-file="$dir/tokens/$node" \
      --ambit.ztunnel.local-config="$dir/mesh.yaml" --ambit.ztunnel.ca-address="127.0.0.1:$ca_grpc" \
      --ambit.ztunnel.bundle-url="http://127.0.0.1:$ca_http/ca/root-cert.pem" \
      --logging.level.ambit.ztunnel.access=WARN
    zt_pids+=("$SPAWNED"); zt_http+=("$http"); zt_admin+=("$admin")
  done
  local i deadline=$((SECONDS + READY_TIMEOUT))
  for i in 0 1; do
    until curl -sf "http://127.0.0.1:${zt_http[$i]}/healthz/ready" >/dev/null \
        && curl -sf "http://127.0.0.1:${zt_admin[$i]}/config_dump" \
          | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["capture"]["pods"] else 1)' 2>/dev/null; do
      kill -0 "${zt_pids[$i]}" 2>/dev/null || { tail -40 "$dir/ztunnel-node-$((i + 1)).log"; die "ztunnel node-$((i + 1)) exited"; }
      kill -0 "$ca_pid" 2>/dev/null || { tail -40 "$dir/ca-service.log"; die "ca-service exited"; }
      [ $SECONDS -lt $deadline ] || { tail -40 "$dir/ztunnel-node-$((i + 1)).log"; die "ztunnel node-$((i + 1)) not ready with its pod captured after $READY_TIMEOUT s (BENCH_READY_TIMEOUT)"; }
      sleep 0.5
    done
  done
  echo "ztunnel: node-1 and node-2 ready, each with its pod captured ($(curl -sf "http://127.0.0.1:${zt_admin[0]}/config_dump" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["capture"]["pods"][0]["rules"])') rules)"
  # Proof that the path is the mesh: one connection, then node-2's inbound counter for it.
  # The pods' certificates may still be on their way (the CA retries with back-off while it
  # loads its pods), and a connection waits for its pod's certificate: try for up to 60 s.
  deadline=$((SECONDS + 60))
  until ip netns exec "$NS_CLIENT" timeout 5 bash -c "exec 3<>/dev/tcp/$SERVER_IP/$ECHO_PORT; echo hi >&3; head -c 3 <&3 >/dev/null"; do
    [ $SECONDS -lt $deadline ] || die "a connection from the client pod to $SERVER_IP:$ECHO_PORT through the ztunnels got no echo within 60 s"
    sleep 1
  done
  local inbound
  for i in $(seq 50); do
    inbound=$(curl -sf "http://127.0.0.1:${zt_http[1]}/actuator/prometheus" \
      | grep '^istio_tcp_connections_opened_total{' | grep 'reporter="destination"' | grep -c 'connection_security_policy="mutual_tls"' || true)
    [ "${inbound:-0}" -gt 0 ] && break
    sleep 0.1
  done
  [ "${inbound:-0}" -gt 0 ] || die "a connection from the client pod did not arrive at node-2's ztunnel over mutual TLS"
  echo "ztunnel: checked: client pod -> $SERVER_IP:$ECHO_PORT arrives at node-2's ztunnel over HBONE (mutual TLS)"
  [ "$EXTRA_PODS" -gt 0 ] && pod_cost "${zt_pids[1]}" "${zt_http[1]}" "${zt_admin[1]}" "$dir/mesh.yaml"
  measure_path ztunnel "$SERVER_IP" "$IPERF_PORT" "$ECHO_PORT" "${zt_pids[0]}" "${zt_pids[1]}"
  stop "${zt_pids[@]}" "$ca_pid"
}

# --- run ------------------------------------------------------------------------------------

remove_lab
make_lab
# The connect shape opens thousands of connections a second from the client pod (and, through
# ztunnel, from inside the server pod): let them reuse TIME_WAIT ports (these namespaces only).
for ns in "$NS_CLIENT" "$NS_SERVER"; do ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=1; done
spawn "$NS_SERVER" "$work/iperf3-server.log" iperf3 -s -p "$IPERF_PORT"; iperf_pid=$SPAWNED
# the lab's echo workload (workloads/echo), TCP echo only on ECHO_PORT; its other listeners on free ports
spawn "$NS_SERVER" "$work/echo-server.log" "${JAVA[@]}" -Xmx128m -jar workloads/echo/target/echo.jar server --pod server \
  --tcp "$ECHO_PORT" --grpc 7071 --http 8080 --server-first 9091
echo_pid=$SPAWNED
wait_listening "$NS_SERVER" "$IPERF_PORT" "$iperf_pid" "$work/iperf3-server.log"
wait_listening "$NS_SERVER" "$ECHO_PORT" "$echo_pid" "$work/echo-server.log"
ip netns exec "$NS_CLIENT" timeout 5 bash -c "exec 3<>/dev/tcp/$SERVER_IP/$ECHO_PORT" \
  || die "the client pod cannot reach $SERVER_IP:$ECHO_PORT through the router"

echo "lab: client pod $CLIENT_IP (node 1) and server pod $SERVER_IP (node 2), bridges joined by a router namespace"
echo "each path: warmed with every measured shape ($SHAPES), ${WARMUP} s each per round; a JVM until its JIT settles (< ${WARM_SETTLED} s of compilation in a round, at most ${WARM_MAX} s)"
echo "then: iperf3 ${SECONDS_PER_RUN} s with 1 and 8 streams, then $RATE requests/s of $SIZE B over $CONNECTIONS connections for ${SECONDS_PER_RUN} s (after ${WARMUP} s)"
echo "shapes: $SHAPES (connect: a new connection per request, $CONNECT_RATE/s open loop for ${SECONDS_PER_RUN} s after ${WARMUP} s, then $CONNECT_WORKERS workers closed loop for ${SECONDS_PER_RUN} s)"
for p in $PATHS; do "run_${p}_path"; done

echo
awk -v clk="$CLK_TCK" -v rate="$RATE" -v size="$SIZE" -v extra="$EXTRA_PODS" -v crate="$CONNECT_RATE" -v cworkers="$CONNECT_WORKERS" '
  $1 == "RESULT" {
    p = $2; k = $3
    if (k ~ /^tput-/) {
      n = substr(k, 6); tput[p, n] = $4; bytes[p] += $5
      if ($6 != "-") { ticks[p] += $6; hasticks[p] = 1 }
    } else if (k == "latency") { lat[p, 50] = $4; lat[p, 90] = $5; lat[p, 99] = $6; late[p] = $8 }
    else if (k == "cpu-per-krps") krps[p] = $4
    else if (k == "connect") { con[p, 50] = $4; con[p, 90] = $5; con[p, 99] = $6; conlate[p] = $7 }
    else if (k == "connect-rate") conrate[p] = $4
    else if (k == "rss-kib") { rss[p] = $4 / 1024; rssmax[p] = $5 / 1024 }
    else if (k == "idle-kib") idle[p] = $4 / 1024
    else if (k == "pods-rss-kib") { podsrss = $4 / 1024; podrss = $5 }
    else if (k == "pods-heap-kib") podheap = $5
  }
  function has(a, key) { return (key in a) && a[key] != "" }
  function cell(v, fmt) { return v == "" ? "-" : sprintf(fmt, v) }
  function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
  function row(label, z, h, d, fmt) {
    printf "  %-36s %9s %9s %9s %16s %15s\n", label, cell(z, fmt), cell(h, fmt), cell(d, fmt), ratio(z, h), ratio(z, d)
  }
  function get(a, key) { return (key in a) ? a[key] : "" }
  function added(path, q) { return (has(lat, path SUBSEP q) && has(lat, "direct" SUBSEP q)) ? lat[path, q] - lat["direct", q] : "" }
  function pergb(path) { return (hasticks[path] && bytes[path] > 0) ? ticks[path] / clk / (bytes[path] / 1e9) : "" }
  function verdict(v, ok) { return v == "" ? "not measured" : (ok ? "met" : "NOT met") }
  END {
    printf "ztunnel data plane: client pod -> server pod across two lab nodes, %d B requests at %d/s\n", size, rate
    if (!(("ztunnel", 1) in tput) && !(("ztunnel", 50) in lat)) print "  (ztunnel path not wired yet: its column shows -)"
    printf "  %-36s %9s %9s %9s %16s %15s\n", "", "ztunnel", "HAProxy", "direct", "ztunnel/HAProxy", "ztunnel/direct"
    row("throughput, 1 stream (Gbit/s)", get(tput, "ztunnel" SUBSEP 1), get(tput, "haproxy" SUBSEP 1), get(tput, "direct" SUBSEP 1), "%.2f")
    row("throughput, 8 streams (Gbit/s)", get(tput, "ztunnel" SUBSEP 8), get(tput, "haproxy" SUBSEP 8), get(tput, "direct" SUBSEP 8), "%.2f")
    split("50 90 99", qs, " ")
    for (i = 1; i <= 3; i++)
      row(sprintf("latency p%d at %d/s (ms)", qs[i], rate), get(lat, "ztunnel" SUBSEP qs[i]), get(lat, "haproxy" SUBSEP qs[i]),
        get(lat, "direct" SUBSEP qs[i]), "%.3f")
    row("  (client sent late by, p99)", get(late, "ztunnel"), get(late, "haproxy"), get(late, "direct"), "%.3f")
    for (i = 1; i <= 3; i++)
      row(sprintf("added p%d (ms)", qs[i]), added("ztunnel", qs[i]), added("haproxy", qs[i]), "", "%.3f")
    for (i = 1; i <= 3; i++)
      row(sprintf("new connection p%d at %d/s (ms)", qs[i], crate), get(con, "ztunnel" SUBSEP qs[i]), get(con, "haproxy" SUBSEP qs[i]),
        get(con, "direct" SUBSEP qs[i]), "%.3f")
    row("  (client sent late by, p99)", get(conlate, "ztunnel"), get(conlate, "haproxy"), get(conlate, "direct"), "%.3f")
    row(sprintf("new connections/s, %d workers", cworkers), get(conrate, "ztunnel"), get(conrate, "haproxy"), get(conrate, "direct"), "%.0f")
    row("proxy CPU per GB (s)", pergb("ztunnel"), pergb("haproxy"), "", "%.2f")
    row("proxy CPU per 1,000 req/s (cores)", get(krps, "ztunnel"), get(krps, "haproxy"), "", "%.3f")
    row("proxy RSS at the end, both (MiB)", get(rss, "ztunnel"), get(rss, "haproxy"), "", "%.1f")
    row("proxy RSS at the end, largest (MiB)", get(rssmax, "ztunnel"), get(rssmax, "haproxy"), "", "%.1f")
    row("proxy RSS per idle connection (KiB)", get(idle, "ztunnel"), get(idle, "haproxy"), "", "%.1f")
    printf "  proxy = both ends (two HAProxy processes, two ztunnels); direct has none. Latency is taken from the\n"
    printf "  scheduled send time: where the client itself sent late by about p99, the machine was too busy for p99.\n"
    z1 = get(tput, "ztunnel" SUBSEP 1); z8 = get(tput, "ztunnel" SUBSEP 8)
    h1 = get(tput, "haproxy" SUBSEP 1); h8 = get(tput, "haproxy" SUBSEP 8)
    za = added("ztunnel", 99); ha = added("haproxy", 99)
    z50 = added("ztunnel", 50); h50 = added("haproxy", 50)
    zc = get(krps, "ztunnel"); hc = get(krps, "haproxy"); zg = pergb("ztunnel"); hg = pergb("haproxy")
    zr = get(rssmax, "ztunnel")
    print "targets for ztunnel (issue 12), as ratios to HAProxy in this run:"
    printf "  throughput >= 1.0x HAProxy, 1 and 8 streams : %s\n", \
      (z1 == "" || z8 == "" || h1 == "" || h8 == "") ? "not measured" : verdict(z1, z1 + 0 >= h1 && z8 + 0 >= h8)
    printf "  added p99 <= HAProxy at %d/s             : %s\n", rate, (za == "" || ha == "") ? "not measured" : verdict(za, za <= ha)
    printf "  added p50 within 0.1 ms of HAProxy        : %s\n", (z50 == "" || h50 == "") ? "not measured" : verdict(z50, z50 - h50 <= 0.1)
    printf "  CPU per 1,000 req/s <= 1.2x HAProxy       : %s\n", (zc == "" || hc == "") ? "not measured" : verdict(zc, zc <= 1.2 * hc)
    printf "  CPU per GB <= 1.2x HAProxy                : %s\n", (zg == "" || hg == "") ? "not measured" : verdict(zg, zg <= 1.2 * hg)
    printf "  RSS of one ztunnel under load <= 128 MiB    : %s\n", verdict(zr, zr <= 128)
    zi = get(idle, "ztunnel")
    printf "  RSS per idle connection <= 16 KiB (both)    : %s\n", verdict(zi, zi <= 16)
    printf "  RSS idle with %s captured pods <= 96 MiB    : %s\n", extra + 1, podsrss == "" ? "not measured" : sprintf("%.1f MiB, %s", podsrss, verdict(podsrss, podsrss <= 96))
    printf "  marginal cost per pod <= 256 KiB            : %s\n", podrss == "" ? "not measured" : sprintf("RSS %d KiB, heap %d KiB: %s", podrss, podheap, verdict(podrss, podrss <= 256))
  }' "$results"

# The integrity verdict, loud: any iperf3 error on any run fails the benchmark.
echo "iperf3 runs (path, streams: failed of runs):"
awk '{ printf "  %-8s %d stream(s): %d failed of %d\n", $2, $3, $5, $4; failed += $5 }
  END { if (failed) printf "FAILED: %d iperf3 run(s) ended in an error (see above; logs kept)\n", failed }' "$work/iperf-runs" 2>/dev/null
if [ -f "$work/failed" ]; then
  echo "ztunnel.sh: FAILED: at least one step failed (see the messages above)" >&2
  exit 1
fi
