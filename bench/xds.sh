#!/usr/bin/env bash
# xDS benchmark: the real xds-server jar on a generated mesh (10,000 pods, 1,000 Services in 100
# ambient namespaces), 200 delta-ADS clients over mutual TLS in a separate JVM. Prints the initial
# sync (time, resource bytes per client), the time for one pod change to reach all clients
# (p50/p99 over N changes) with debounce 0 and 100 ms, heap per workload and per client, and the
# transport floor (prebuilt responses fanned out to the same clients) measured in the same run.
# Then the L7 case: HTTPRoutes (90/10 splits) over waypoints, one delta-ADS client per waypoint with
# its own certificate subscribed to LDS/RDS/CDS/EDS; one route change until the waypoint holding it
# has it (p50/p99), resources pushed per change and how many reached any other waypoint (none should),
# next to its transport floor (a prebuilt response to one client).
# Usage: bench/xds.sh [pods 10000] [services 1000] [clients 200] [changes 1000]    (L4, then L7)
#        bench/xds.sh l7 [routes 1000] [waypoints 100] [changes 500]              (the L7 case alone)
#        L7_ROUTES, L7_WAYPOINTS, L7_CHANGES set the L7 case's sizes in the first form.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(./mesh java-home); export JAVA_HOME
mode=all
if [ "${1:-}" = l7 ]; then mode=l7; shift; fi
pods=${1:-10000}; services=${2:-1000}; clients=${3:-200}; changes=${4:-1000}
mvn -B -ntp -q -pl services/xds-server,bench/jmh -am -DskipTests install

work=$(mktemp -d)
server_pid=""
stop_server() { [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }; server_pid=""; }
trap 'stop_server; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
LOAD=("${JAVA[@]}" -cp bench/jmh/target/benchmarks.jar io.ambit.bench.xds.XdsLoad)

results="$work/results"

# run_l7 ROUTES WAYPOINTS CHANGES: its own mesh, server and certificates in $work/l7; RESULT lines to $results.
run_l7() {
  local routes=$1 waypoints=$2 l7changes=$3 dir="$work/l7" xds_port http_port
  "${LOAD[@]}" generate-l7 "$dir" "$routes" "$waypoints"
  (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/admin")
  xds_port=$(free_port); http_port=$(free_port)
  "${JAVA[@]}" ${XDS_JAVA_OPTS:-} -jar services/xds-server/target/xds-server.jar \
    --server.port="$http_port" --management.server.port="$http_port" \
    --ambit.xds.grpc.port="$xds_port" --ambit.xds.grpc.address=127.0.0.1 --ambit.xds.debounce=0ms \
    --ambit.xds.local.config-dir="$dir/config" \
    --ambit.xds.identity.cert-file="$dir/server-chain.pem" --ambit.xds.identity.key-file="$dir/server-key.pem" \
    --ambit.xds.identity.bundle-file="$dir/root.pem" --ambit.security.admin.token-file="$dir/admin" \
    --logging.level.io.ambit.xds.ads=WARN >"$work/xds-l7.log" 2>&1 &
  server_pid=$!
  until curl -sf "http://127.0.0.1:$http_port/actuator/health/readiness" >/dev/null; do
    kill -0 "$server_pid" 2>/dev/null || { tail -50 "$work/xds-l7.log"; exit 1; }
    sleep 0.5
  done
  echo "L7: $routes HTTPRoutes over $waypoints waypoints, $l7changes single-route changes, debounce 0"
  "${LOAD[@]}" run-l7 "$dir" "$xds_port" "$http_port" "$routes" "$waypoints" "$l7changes" | tee -a "$results" | grep RESULT
  stop_server
  # the floor: a prebuilt one-resource response to one client, as many times
  "${LOAD[@]}" limit "$dir" 1 "$l7changes" | sed 's/^RESULT push limit /RESULT l7-limit /' | tee -a "$results" | grep RESULT >/dev/null
}

print_l7() {
  echo
  echo "L7: one route change until the waypoint holding it has it (ms; from the REST apply to its arrival)"
  awk '
    $1 == "RESULT" && $2 == "l7-push" { p50 = $4; p99 = $6; max = $8; missed = $10; per = $12; others = $14 }
    $1 == "RESULT" && $2 == "l7-limit" { lp50 = $4; lp99 = $6; lmax = $8 }
    END {
      printf "  %-40s %8s %8s %8s %7s %10s %8s\n", "", "p50", "p99", "max", "missed", "res/change", "to other"
      printf "  %-40s %8s %8s %8s %7s %10s %8s\n", "Ambit xds-server, debounce 0", p50, p99, max, missed, per, others
      printf "  %-40s %8s %8s %8s %7s\n", "limit: prebuilt response to one client", lp50, lp99, lmax, 0
      printf "  %-40s\n", "peer: none (istiod is a Go binary; it cannot be fetched here)"
      if (lp99 > 0) printf "  Ambit / limit at p99 = %.1f\n", p99 / lp99
    }' "$results"
}

if [ "$mode" = l7 ]; then
  run_l7 "${1:-1000}" "${2:-100}" "${3:-500}"
  print_l7
  exit 0
fi

"${LOAD[@]}" generate "$work" "$pods" "$services"
# the store API's admin token (XdsLoad reads $work/admin), owner-only, never on a command line
(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/admin")
echo "mesh: $pods pods, $services services, $(cat "$work"/config/*.yaml | wc -c) bytes of YAML in $(ls "$work/config" | wc -l) files; $clients clients; $changes single-pod changes per run"

for debounce in 0ms 100ms; do
  xds_port=$(free_port); http_port=$(free_port)
  "${JAVA[@]}" ${XDS_JAVA_OPTS:-} -jar services/xds-server/target/xds-server.jar \
    --server.port="$http_port" --management.server.port="$http_port" \
    --ambit.xds.grpc.port="$xds_port" --ambit.xds.grpc.address=127.0.0.1 --ambit.xds.debounce="$debounce" \
    --ambit.xds.local.config-dir="$work/config" \
    --ambit.xds.identity.cert-file="$work/server-chain.pem" --ambit.xds.identity.key-file="$work/server-key.pem" \
    --ambit.xds.identity.bundle-file="$work/root.pem" --ambit.security.admin.token-file="$work/admin" \
    --logging.level.io.ambit.xds.ads=WARN >"$work/xds-$debounce.log" 2>&1 &
  server_pid=$!
  started=$SECONDS
  until curl -sf "http://127.0.0.1:$http_port/actuator/health/readiness" >/dev/null; do
    kill -0 "$server_pid" 2>/dev/null || { tail -50 "$work/xds-$debounce.log"; exit 1; }
    sleep 0.5
  done
  echo "xds-server (debounce $debounce) ready in $((SECONDS - started)) s with the mesh loaded"
  "${LOAD[@]}" run "$work" "$xds_port" "$http_port" "$server_pid" "$clients" "$changes" "debounce-$debounce" "$pods" "$services" \
    | tee -a "$results" | grep RESULT
  stop_server
done
"${LOAD[@]}" limit "$work" "$clients" "$changes" | tee -a "$results" | grep RESULT >/dev/null
echo
run_l7 "${L7_ROUTES:-1000}" "${L7_WAYPOINTS:-100}" "${L7_CHANGES:-500}"

echo
echo "L4: one pod change until the last of $clients clients has it (ms; from the REST apply to the last arrival)"
awk -v clients="$clients" '
  $1 == "RESULT" && $2 == "push" { p50[$3] = $5; p99[$3] = $7; max[$3] = $9; missed[$3] = $11 }
  END {
    printf "  %-40s %8s %8s %8s %7s\n", "", "p50", "p99", "max", "missed"
    printf "  %-40s %8s %8s %8s %7s\n", "Ambit xds-server, debounce 0", p50["debounce-0ms"], p99["debounce-0ms"], max["debounce-0ms"], missed["debounce-0ms"]
    printf "  %-40s %8s %8s %8s %7s\n", "Ambit xds-server, debounce 100 ms", p50["debounce-100ms"], p99["debounce-100ms"], max["debounce-100ms"], missed["debounce-100ms"]
    printf "  %-40s %8s %8s %8s %7s\n", "limit: prebuilt response fanned out", p50["limit"], p99["limit"], max["limit"], missed["limit"]
    printf "  %-40s\n", "peer: none (istiod is a Go binary; it cannot be fetched here)"
    if (p99["limit"] > 0) printf "  Ambit(debounce 0) / limit at p99 = %.1f\n", p99["debounce-0ms"] / p99["limit"]
    printf "  target: p99 < 50 ms + debounce -> debounce 0: %s, debounce 100 ms: %s\n", \
      (p99["debounce-0ms"] < 50 ? "met" : "NOT met"), (p99["debounce-100ms"] < 150 ? "met" : "NOT met")
  }' "$results"
print_l7
echo
echo "Initial sync of $clients clients and heap"
grep -E "^RESULT (sync|heap|l7-sync)" "$results" | sed 's/^RESULT /  /'
