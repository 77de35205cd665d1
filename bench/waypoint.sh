#!/usr/bin/env bash
# Waypoint (L7) benchmark, in the mesh lab (DESIGN §5): one hop through an L7 proxy between two
# nodes, three ways, measured in one run:
#   direct   plain-client → plain-server (namespace not in the mesh; the limit)
#   haproxy  plain-client → HAProxy A (TCP) → mutual TLS → HAProxy W (HTTP mode: terminates TLS,
#            parses HTTP, sets a header, re-originates mutual TLS) → HAProxy B (TCP) → plain-server;
#            W sits in its own pod on node 1, where the lab puts Ambit's waypoint (the peer)
#   ambit    client → ztunnel (node 1, HBONE) → waypoint (node 1) → ztunnel (node 2) → server, the
#            client's plain HTTP captured in-pod; the HTTPRoute sets the same header as W
# Workload: the lab's echo (HTTP/1.1 and h2c on 8080), answers padded to BENCH_SIZE bytes.
# For each path and protocol (HTTP/1.1 with hey, HTTP/2 with h2load, h2c prior knowledge):
#   - as fast as it goes for BENCH_SECONDS: req/s, and req/s per core of the proxies' CPU;
#   - at a fixed BENCH_RATE req/s over 4 connections (h2load --rps, also with --h1 for HTTP/1.1):
#     latency p50/p90/p99 of every request and the proxies' CPU.
# Then RSS of the proxies. Ratios Ambit/HAProxy and Ambit/direct; issue 14's targets checked.
# Usage: bench/waypoint.sh   (root; installs haproxy, hey and nghttp2-client with apt-get if missing)
# Every path is warmed first with both protocols, WARMUP s each, in rounds: a path of JVMs until their JIT
# settles (a round in which the compiler threads of the three JVMs used less than BENCH_WARM_SETTLED (0.5) s
# of CPU together, at most BENCH_WARM_MAX (180) s), as bench/ztunnel.sh does; the JIT's CPU inside the
# measured runs is printed.
# Environment (defaults): BENCH_SECONDS (10), BENCH_WARMUP (5), BENCH_RATE (1000), BENCH_SIZE (1024),
# BENCH_CONNECTIONS (32 for HTTP/1.1, and 4 connections x that many streams for HTTP/2) for the
# throughput runs, BENCH_PATHS ("direct haproxy ambit"), BENCH_BUILD (1; 0 reuses the jars already built),
# BENCH_PROTOS ("h1 h2"; the protocols measured, e.g. "h2" alone to profile one),
# BENCH_JFR (unset; a file name: a JFR recording of the waypoint during the Ambit path's runs, for
# `jfr print --events jdk.ExecutionSample` or JDK Mission Control; the two ztunnels on the path are recorded
# with the same settings next to it, as <name>.ztunnel-1.jfr and <name>.ztunnel-2.jfr).
# Exits non-zero when a step failed.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=waypoint.sh
. bench/lib/common.sh

SECONDS_PER_RUN=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-5}
RATE=${BENCH_RATE:-1000}
SIZE=${BENCH_SIZE:-1024}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PATHS=${BENCH_PATHS:-direct haproxy ambit}
PROTOS=${BENCH_PROTOS:-h1 h2}
for v in SECONDS_PER_RUN WARMUP RATE SIZE CONNECTIONS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive number, not '${!v}'"
done
[ $((RATE % 4)) -eq 0 ] || die "BENCH_RATE must be a multiple of 4 (it is spread over 4 connections), not $RATE"
for p in $PATHS; do
  case $p in direct|haproxy|ambit) ;; *) die "BENCH_PATHS: unknown path '$p' (direct, haproxy, ambit)";; esac
done
for p in $PROTOS; do
  case $p in h1|h2) ;; *) die "BENCH_PROTOS: unknown protocol '$p' (h1, h2)";; esac
done

require_root
require_tools haproxy=haproxy hey=hey h2load=nghttp2-client openssl=openssl python3=python3 ip=iproute2
JAVA_HOME=$(./mesh java-home); export JAVA_HOME
[ "${BENCH_BUILD:-1}" = 0 ] || mvn -B -ntp -q -pl bench/jmh,services/ca-service,services/xds-server,services/ztunnel,services/waypoint,workloads/echo,lab \
  -am -DskipTests install
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
CLK_TCK=$(getconf CLK_TCK)

work=$(mktemp -d)
results=$work/results
: >"$results"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # the lab's JVM removes its namespaces and processes when terminated: give it time
  [ ${#PIDS[@]} -gt 0 ] && STOP_GRACE=60 stop "${PIDS[@]}"
  "${JAVA[@]}" -jar lab/target/lab.jar down >/dev/null 2>&1 || true
  finish_run waypoint
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the lab ---------------------------------------------------------------------------------

declare -A LAB
start_lab() {
  local ready=$work/lab.ready i
  "${JAVA[@]}" -jar lab/target/lab.jar down >/dev/null 2>&1 || true
  echo "lab: building two nodes, the bench and plain namespaces, the waypoint (about a minute)..."
  spawn - "$work/lab.log" "${JAVA[@]}" -cp bench/jmh/target/benchmarks.jar io.ambit.bench.waypoint.WaypointLab . "$ready"
  LAB_PID=$SPAWNED
  for i in $(seq 3000); do
    [ -f "$ready" ] && break
    alive "$LAB_PID" || { tail -30 "$work/lab.log" >&2; die "the lab exited before it was ready"; }
    sleep 0.1
  done
  [ -f "$ready" ] || { tail -30 "$work/lab.log" >&2; die "the lab was not ready after 300 s"; }
  while read -r key value; do LAB[$key]=$value; done <"$ready"
  echo "lab: ready; client -> ${LAB[vip]}:80 crosses the waypoint (checked by its istio_requests_total); logs ${LAB[logs]}"
}

# --- load generators (run in the client's pod) ----------------------------------------------

# h1_max NS URL: HTTP/1.1 as fast as it goes; prints "<requests> <non-2xx+errors>".
h1_max() {
  ip netns exec "$1" hey -z "${SECONDS_PER_RUN}s" -c "$CONNECTIONS" "$2" >"$3" 2>&1 || return 1
  python3 - "$3" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
codes = dict((int(c), int(n)) for c, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text))
errors = 0
if "Error distribution:" in text:
    errors = sum(int(n) for n in re.findall(r"^\s+\[(\d+)\]", text.split("Error distribution:", 1)[1], re.M))
ok = sum(n for c, n in codes.items() if 200 <= c < 300)
print(ok, sum(codes.values()) - ok + errors)
PY
}

# h2_max NS URL OUT: HTTP/2 (h2c) as fast as it goes, 4 connections x CONNECTIONS streams.
h2_max() {
  ip netns exec "$1" h2load -D "$SECONDS_PER_RUN" -c 4 -m "$CONNECTIONS" -t 1 "$2" >"$3" 2>&1 || return 1
  python3 - "$3" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", text)
s = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
if not m or not s:
    sys.exit("h2load printed no summary")
print(int(s.group(1)), int(m.group(3)) + int(m.group(4)) + int(s.group(2)) + int(s.group(3)) + int(s.group(4)))
PY
}

# h1_rate NS URL OUT: RATE req/s over 4 connections for SECONDS_PER_RUN; prints "p50 p90 p99 bad" (ms).
# h2load --h1 rather than hey here: its per-request log has microseconds, hey's CSV 0.1 ms.
h1_rate() { rate_run "$1" "$2" "$3" --h1; }

# h2_rate NS URL OUT: the same over HTTP/2 (h2c prior knowledge).
h2_rate() { rate_run "$1" "$2" "$3"; }

# rate_run NS URL OUT [h2load flag]: h2load --rps per connection (4 connections, one request in
# flight each), every request's time from its log; prints "p50 p90 p99 failed" (ms).
rate_run() {
  ip netns exec "$1" h2load -D "$SECONDS_PER_RUN" -c 4 -m 1 -t 1 --rps $((RATE / 4)) --log-file="$3.log" ${4:-} "$2" >"$3" 2>&1 || return 1
  python3 - "$3.log" <<'PY'
import sys
ok, bad = [], 0
for line in open(sys.argv[1]):
    start, status, micros = line.split()[:3]
    if status.startswith("2"):
        ok.append(int(micros) / 1000)
    else:
        bad += 1
ok.sort()
if not ok:
    sys.exit("no successful request")
q = lambda p: ok[min(len(ok) - 1, int(p / 100 * len(ok)))]
print("%.3f %.3f %.3f %d" % (q(50), q(90), q(99), bad))
PY
}

# measure NAME NS H1_URL H2_URL [PROXY_PID...]: both protocols, both runs; appends RESULT lines.
measure() {
  local name=$1 ns=$2 h1_url=$3 h2_url=$4; shift 4
  local pids=("$@") proto before ticks out got jit_before=""
  warm_up "$name" "$ns" "$h1_url" "$h2_url" "${pids[@]}"
  [ ${#pids[@]} -gt 0 ] && jit_before=$(jit_cpu_seconds "${pids[@]}")
  for proto in $PROTOS; do
    local url=$h1_url; [ "$proto" = h2 ] && url=$h2_url
    out=$work/$name-$proto-max.out
    before=$([ ${#pids[@]} -gt 0 ] && cpu_ticks "${pids[@]}" || echo 0)
    if got=$("${proto}_max" "$ns" "$url" "$out"); then
      ticks=$([ ${#pids[@]} -gt 0 ] && echo $(( $(cpu_ticks "${pids[@]}") - before )) || echo -)
      read -r ok bad <<<"$got"
      echo "RESULT $name $proto-max $ok $bad $ticks" >>"$results"
      printf '  %-8s %s as fast as it goes: %d responses in %d s (%d failed)%s\n' "$name" "$proto" "$ok" "$SECONDS_PER_RUN" "$bad" \
        "$([ "$ticks" != - ] && awk -v t="$ticks" -v c="$CLK_TCK" -v s="$SECONDS_PER_RUN" 'BEGIN { printf ", proxies %.2f cores", t / c / s }')"
      [ "$bad" -eq 0 ] || { echo "  $name: FAILED: $bad requests failed in the $proto run (see $out)" >&2; touch "$work/failed"; }
    else
      echo "  $name: FAILED: $proto throughput run: $(tail -3 "$out")" >&2; touch "$work/failed"
    fi
    out=$work/$name-$proto-rate.out
    before=$([ ${#pids[@]} -gt 0 ] && cpu_ticks "${pids[@]}" || echo 0)
    if got=$("${proto}_rate" "$ns" "$url" "$out"); then
      ticks=$([ ${#pids[@]} -gt 0 ] && echo $(( $(cpu_ticks "${pids[@]}") - before )) || echo -)
      read -r p50 p90 p99 bad <<<"$got"
      echo "RESULT $name $proto-rate $p50 $p90 $p99 $bad $ticks" >>"$results"
      printf '  %-8s %s at %d/s: p50 %s p90 %s p99 %s ms (%d failed)\n' "$name" "$proto" "$RATE" "$p50" "$p90" "$p99" "$bad"
      [ "$bad" -eq 0 ] || { echo "  $name: FAILED: $bad requests failed in the $proto latency run" >&2; touch "$work/failed"; }
    else
      echo "  $name: FAILED: $proto latency run: $(tail -3 "$out")" >&2; touch "$work/failed"
    fi
  done
  if [ -n "$jit_before" ]; then
    printf '  %-8s JIT CPU during the measured runs: %s s (compiler threads of all its JVMs; %s s before them)\n' "$name" \
      "$(awk -v a="$(jit_cpu_seconds "${pids[@]}")" -v b="$jit_before" 'BEGIN { printf "%.2f", a - b }')" "$jit_before"
  fi
  [ ${#pids[@]} -gt 0 ] && echo "RESULT $name rss-kib $(rss_kib "${pids[@]}")" >>"$results"
  return 0
}

# warm_up NAME NS H1_URL H2_URL [PROXY_PID...]: both protocols WARMUP s each, in rounds until a JVM proxy's
# JIT has settled (warm_in_rounds in lib/common.sh). With one 5 s round the waypoint's C2 thread still compiled
# for seconds inside the measured runs, on the same 2 cores, and counted as proxy CPU (issue 14).
warm_up() {
  local name=$1 ns=$2 h1_url=$3 h2_url=$4; shift 4
  warm_round() {
    ip netns exec "$ns" hey -z "${WARMUP}s" -c 8 "$h1_url" >/dev/null 2>&1 || true
    ip netns exec "$ns" h2load -D "$WARMUP" -c 2 -m 8 -t 1 "$h2_url" >/dev/null 2>&1 || true
  }
  warm_in_rounds "$name" "HTTP/1.1 and HTTP/2" warm_round "$@"
}

# --- the paths -------------------------------------------------------------------------------

run_direct_path() {
  echo "direct: plain-client -> ${LAB[ip-plain-server]}:8080"
  local url="http://${LAB[ip-plain-server]}:8080/?size=$SIZE"
  measure direct "${LAB[ns-plain-client]}" "$url" "$url"
}

# HAProxy A (plain-client pod, loopback, TCP) → W (haproxy-w pod on node 1, HTTP mode) → B
# (plain-server pod, TCP) → echo. Every hop between pods is mutual TLS 1.3 with the chain checked
# against the bench root, one listener pair per protocol (h2 negotiated by ALPN between them).
run_haproxy_path() {
  local d=$work/haproxy c=$work/haproxy/certs w=${LAB[ip-haproxy-w]} s=${LAB[ip-plain-server]} a_pid w_pid b_pid
  mkdir -p "$d"
  make_certs "$c" client waypoint server
  local tls="ca-file $c/root.pem verify required"
  { haproxy_tls_globals; cat <<CFG
defaults
  timeout connect 5s
  timeout client 60s
  timeout server 60s
CFG
  } >"$d/common.cfg"
  cat "$d/common.cfg" - >"$d/a.cfg" <<CFG
listen h1
  mode tcp
  bind 127.0.0.1:18081
  server w $w:15081 ssl crt $c/client.pem $tls
listen h2
  mode tcp
  bind 127.0.0.1:18082
  server w $w:15082 ssl crt $c/client.pem $tls alpn h2
CFG
  cat "$d/common.cfg" - >"$d/w.cfg" <<CFG
frontend h1
  mode http
  bind $w:15081 ssl crt $c/waypoint.pem $tls
  http-request set-header x-bench haproxy
  default_backend h1
backend h1
  mode http
  server b $s:26081 ssl crt $c/waypoint.pem $tls
frontend h2
  mode http
  bind $w:15082 ssl crt $c/waypoint.pem $tls alpn h2
  http-request set-header x-bench haproxy
  default_backend h2
backend h2
  mode http
  server b $s:26082 ssl crt $c/waypoint.pem $tls alpn h2
CFG
  cat "$d/common.cfg" - >"$d/b.cfg" <<CFG
listen h1
  mode tcp
  bind $s:26081 ssl crt $c/server.pem $tls
  server echo 127.0.0.1:8080
listen h2
  mode tcp
  bind $s:26082 ssl crt $c/server.pem $tls alpn h2
  server echo 127.0.0.1:8080
CFG
  spawn "${LAB[ns-plain-server]}" "$d/b.log" haproxy -db -f "$d/b.cfg"; b_pid=$SPAWNED
  spawn "${LAB[ns-haproxy-w]}" "$d/w.log" haproxy -db -f "$d/w.cfg"; w_pid=$SPAWNED
  spawn "${LAB[ns-plain-client]}" "$d/a.log" haproxy -db -f "$d/a.cfg"; a_pid=$SPAWNED
  wait_listening "${LAB[ns-plain-server]}" 26082 "$b_pid" "$d/b.log"
  wait_listening "${LAB[ns-haproxy-w]}" 15082 "$w_pid" "$d/w.log"
  wait_listening "${LAB[ns-plain-client]}" 18082 "$a_pid" "$d/a.log"
  # Proof the peer does the L7 work and the mutual TLS it claims, before it is measured.
  local seen proto
  for proto in "18081 --http1.1" "18082 --http2-prior-knowledge"; do
    seen=$(ip netns exec "${LAB[ns-plain-client]}" curl -sf ${proto#* } "http://127.0.0.1:${proto%% *}/") \
      || die "HAProxy chain on port ${proto%% *} does not answer"
    grep -qi 'x-bench.*haproxy' <<<"$seen" || { echo "$seen" >&2; die "HAProxy W did not set its header (port ${proto%% *})"; }
  done
  # (TLS 1.3 refuses a missing client certificate after the handshake: read on until the alert)
  local refused
  refused=$(echo ping | ip netns exec "${LAB[ns-plain-client]}" timeout 5 openssl s_client -connect "$w:15081" -CAfile "$c/root.pem" \
    -ign_eof 2>&1) || true
  grep -q 'alert certificate required' <<<"$refused" || { echo "$refused" >&2; die "HAProxy W accepted a client without a certificate"; }
  echo "haproxy: plain-client -> A -> mTLS -> W ($w, HTTP mode, sets x-bench) -> mTLS -> B -> plain-server; $(haproxy -v | head -1 | cut -d' ' -f1-3)"
  echo "  checked: both protocols answer through the chain with W's header; W refuses a client without a certificate"
  measure haproxy "${LAB[ns-plain-client]}" "http://127.0.0.1:18081/?size=$SIZE" "http://127.0.0.1:18082/?size=$SIZE" \
    "$a_pid" "$w_pid" "$b_pid"
  stop "$a_pid" "$w_pid" "$b_pid"
}

# jfr_each start|stop: a JFR recording (settings=profile) in each of the path's three JVMs: the waypoint's
# into BENCH_JFR, each ztunnel's into BENCH_JFR with .ztunnel-<node>.jfr for its extension.
jfr_each() {
  local base file who
  base=$(realpath -m "$BENCH_JFR")
  for who in waypoint ztunnel-1 ztunnel-2; do
    file=$base; [ "$who" = waypoint ] || file=${base%.jfr}.$who.jfr
    if [ "$1" = start ]; then
      "$JAVA_HOME/bin/jcmd" "${LAB[pid-$who]}" JFR.start name=bench settings=profile filename="$file" >/dev/null \
        || die "could not start JFR in the $who (pid ${LAB[pid-$who]})"
    else
      "$JAVA_HOME/bin/jcmd" "${LAB[pid-$who]}" JFR.stop name=bench >/dev/null || die "could not stop JFR in the $who"
      echo "  $who JFR recording: $file"
    fi
  done
}

run_ambit_path() {
  echo "ambit: client -> ztunnel node-1 -> waypoint (node ${LAB[waypoint-node]}) -> ztunnel node-2 -> server, via ${LAB[vip]}:80"
  local seen
  seen=$(ip netns exec "${LAB[ns-client]}" curl -sf --http2-prior-knowledge "http://${LAB[vip]}:80/") || die "h2c through the waypoint does not answer"
  grep -qi 'x-bench.*waypoint' <<<"$seen" || { echo "$seen" >&2; die "the waypoint did not apply the HTTPRoute's header (h2c)"; }
  local url="http://${LAB[vip]}:80/?size=$SIZE"
  # started now, it also records the warm-up: the profile is of the hot path once compiled
  [ -n "${BENCH_JFR:-}" ] && jfr_each start
  measure ambit "${LAB[ns-client]}" "$url" "$url" "${LAB[pid-ztunnel-1]}" "${LAB[pid-waypoint]}" "${LAB[pid-ztunnel-2]}"
  [ -n "${BENCH_JFR:-}" ] && jfr_each stop
  return 0
}

# --- run -------------------------------------------------------------------------------------

start_lab
echo "each path: warmed with both protocols, ${WARMUP} s each per round (JVMs until their JIT settles: < ${WARM_SETTLED} s of compiler CPU in a round, at most ${WARM_MAX} s); HTTP/1.1 (hey, $CONNECTIONS connections) and HTTP/2 (h2load, 4 connections x $CONNECTIONS streams)"
echo "as fast as they go for ${SECONDS_PER_RUN} s; then $RATE req/s over 4 connections for ${SECONDS_PER_RUN} s; answers of $SIZE B"
for p in $PATHS; do "run_${p}_path"; done

echo
awk -v clk="$CLK_TCK" -v secs="$SECONDS_PER_RUN" -v rate="$RATE" '
  $1 == "RESULT" {
    p = $2; k = $3
    if (k ~ /-max$/) { pr = substr(k, 1, 2); rps[p, pr] = $4 / secs; if ($6 != "-") percore[p, pr] = ($6 > 0) ? $4 / ($6 / clk) : "" }
    else if (k ~ /-rate$/) { pr = substr(k, 1, 2); lat[p, pr, 50] = $4; lat[p, pr, 90] = $5; lat[p, pr, 99] = $6
      if ($8 != "-") krps[p, pr] = $8 / clk / secs / (rate / 1000) }
    else if (k == "rss-kib") { rss[p] = $4 / 1024; rssmax[p] = $5 / 1024 }
  }
  function get(a, key) { return (key in a) ? a[key] : "" }
  function cell(v, fmt) { return v == "" ? "-" : sprintf(fmt, v) }
  function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
  function row(label, z, h, d, fmt) {
    printf "  %-40s %9s %9s %9s %14s %13s\n", label, cell(z, fmt), cell(h, fmt), cell(d, fmt), ratio(z, h), ratio(z, d)
  }
  function added(path, pr, q) { k = path SUBSEP pr SUBSEP q; d = "direct" SUBSEP pr SUBSEP q
    return ((k in lat) && (d in lat)) ? lat[k] - lat[d] : "" }
  function verdict(ok) { return ok ? "met" : "NOT met" }
  END {
    printf "waypoint (L7) hop: client pod -> proxy chain -> server pod across two lab nodes\n"
    printf "  %-40s %9s %9s %9s %14s %13s\n", "", "Ambit", "HAProxy", "direct", "Ambit/HAProxy", "Ambit/direct"
    split("h1 h2", prs, " "); names["h1"] = "HTTP/1.1"; names["h2"] = "HTTP/2"
    for (i = 1; i <= 2; i++) {
      pr = prs[i]
      row(names[pr] " req/s, as fast as it goes", get(rps, "ambit" SUBSEP pr), get(rps, "haproxy" SUBSEP pr), get(rps, "direct" SUBSEP pr), "%.0f")
      row(names[pr] " req/s per proxy core", get(percore, "ambit" SUBSEP pr), get(percore, "haproxy" SUBSEP pr), "", "%.0f")
      for (q = 50; q <= 99; q += (q == 50 ? 40 : 9))
        row(sprintf("%s p%d at %d/s (ms)", names[pr], q, rate), get(lat, "ambit" SUBSEP pr SUBSEP q), get(lat, "haproxy" SUBSEP pr SUBSEP q),
          get(lat, "direct" SUBSEP pr SUBSEP q), "%.3f")
      row(names[pr] " added p50 (ms)", added("ambit", pr, 50), added("haproxy", pr, 50), "", "%.3f")
      row(names[pr] " added p99 (ms)", added("ambit", pr, 99), added("haproxy", pr, 99), "", "%.3f")
      row(names[pr] " proxy CPU per 1,000 req/s (cores)", get(krps, "ambit" SUBSEP pr), get(krps, "haproxy" SUBSEP pr), "", "%.3f")
    }
    row("proxy RSS at the end, all three (MiB)", get(rss, "ambit"), get(rss, "haproxy"), "", "%.1f")
    row("proxy RSS at the end, largest (MiB)", get(rssmax, "ambit"), get(rssmax, "haproxy"), "", "%.1f")
    printf "  proxies: Ambit = ztunnel node-1 + waypoint + ztunnel node-2; HAProxy = A + W + B. The load generator\n"
    printf "  shares the machine with them, as it does for every path.\n"
    print "targets for the waypoint (issue 14), as ratios to HAProxy in this run:"
    for (i = 1; i <= 2; i++) {
      pr = prs[i]; a = get(percore, "ambit" SUBSEP pr); h = get(percore, "haproxy" SUBSEP pr)
      printf "  %-8s req/s per core >= HAProxy : %s\n", names[pr], (a == "" || h == "") ? "not measured" : sprintf("%.2fx, %s", a / h, verdict(a >= h))
      a = added("ambit", pr, 99); h = added("haproxy", pr, 99)
      printf "  %-8s added p99 <= HAProxy     : %s\n", names[pr], (a == "" || h == "") ? "not measured" : sprintf("%.3f vs %.3f ms, %s", a, h, verdict(a <= h))
    }
  }' "$results"

if [ -f "$work/failed" ]; then
  echo "waypoint.sh: FAILED: at least one step failed (see the messages above)" >&2
  exit 1
fi
