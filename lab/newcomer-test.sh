#!/usr/bin/env bash
# The README's first command, run the way a newcomer runs it: `./mesh up` in a copy of this
# checkout (the jars built by the test run, no .mesh state), as an ordinary user (no root: the demo
# on the host, reached through SOCKS5) and, when we are root, as root too (the lab). Each run must
# print the demo line with ok=6 failed=0, answer one call through the mesh and the README's proxyless
# gRPC command (90/10 within 5 points), list every process in
# `./mesh status`, and leave no process (nor, as root, any namespace) after `./mesh down`.
# The ordinary user runs twice: the first run builds the start-up caches, the second is the warm
# start whose time the issue tracks. `./mesh test` runs this after the Maven suite.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
USER_NAME=ambit-newcomer
say() { printf 'newcomer-test: %s\n' "$*"; }
fail() { printf 'newcomer-test: FAILED: %s\n' "$*" >&2; exit 1; }

WORK=$(mktemp -d /tmp/ambit-newcomer.XXXXXX)
chmod 755 "$WORK"
COPY="$WORK/ambit"
created_user=""
cleanup() {
  [ -x "$COPY/mesh" ] && as_owner ./mesh down >/dev/null 2>&1 || true
  [ -n "$created_user" ] && userdel "$USER_NAME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A fresh clone with its jars built: the sources (their times kept, so nothing looks newer than the
# jars) and only the jars ./mesh up runs, never another run's .mesh state.
tar -C "$ROOT" --exclude=./.mesh --exclude='./*/target' --exclude='./*/*/target' -cf - . | tar -C "$WORK" --one-top-level=ambit -xf -
for jar in "$ROOT"/services/*/target/*.jar "$ROOT"/lab/target/lab.jar "$ROOT"/workloads/echo/target/echo.jar \
    "$ROOT"/workloads/proxyless-grpc/target/proxyless-grpc.jar; do
  rel=${jar#"$ROOT"/}
  case "$rel" in *-SNAPSHOT*.jar) continue ;; esac
  mkdir -p "$COPY/$(dirname "$rel")"
  cp -p "$jar" "$COPY/$rel"
done

OWNER=$(id -un)
if [ "$(id -u)" = 0 ]; then
  if ! id "$USER_NAME" >/dev/null 2>&1; then
    useradd --no-create-home --home-dir "$WORK/home" --shell /bin/bash "$USER_NAME"
    created_user=1
  fi
  mkdir -p "$WORK/home"
  chown -R "$USER_NAME": "$COPY" "$WORK/home"
  OWNER=$USER_NAME
fi

# Runs a command in the copy as its owner, with the environment of a fresh login (no JAVA_HOME:
# ./mesh must find the JDK itself).
as_owner() {
  if [ "$OWNER" != "$(id -un)" ]; then
    runuser -u "$OWNER" -- env -i HOME="$WORK/home" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 bash -c 'cd "$0" && "$@"' "$COPY" "$@"
  else
    (cd "$COPY" && "$@")
  fi
}
as_root() { (cd "$COPY" && env -u JAVA_HOME "$@"); }

# Starts ./mesh up with $1 (as_owner or as_root), waits for its "Up in" line, checks the demo.
mesh_up() {
  local runner=$1 label=$2 log="$WORK/up-$2.log" deadline=$((SECONDS + 600))
  : >"$log"
  chmod 666 "$log"
  $runner bash -c './mesh up >"$0" 2>&1' "$log" &
  local pid=$!
  until grep -q '^Up in ' "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; fail "$label: ./mesh up exited before the demo was up"; fi
    [ $SECONDS -lt $deadline ] || { cat "$log"; fail "$label: ./mesh up not up after 600 s"; }
    sleep 1
  done
  grep -q 'Building Ambit' "$log" && { cat "$log"; fail "$label: ./mesh up rebuilt jars that were current"; }
  grep -q '^demo: .*(ok=6 failed=0)' "$log" || { cat "$log"; fail "$label: the demo line is not ok=6 failed=0"; }
  say "$label: $(grep '^demo: ' "$log")"
  say "$label: $(grep '^start-up (launch to ready)' "$log")"
  say "$label: $(grep '^Up in ' "$log" | sed 's/\. Ctrl-C.*//')"
}

check_status() {
  local runner=$1 label=$2 status
  status=$($runner ./mesh status)
  local p
  for p in lab ca-service xds-server ztunnel-node-a ztunnel-node-b waypoint-demo-waypoint-0 admin-ui echo-frontend echo-backend-1 echo-backend-2; do
    printf '%s\n' "$status" | grep -q "^$p .* running" || { printf '%s\n' "$status"; fail "$label: ./mesh status does not show $p running"; }
  done
  printf '%s\n' "$status" | grep -q ' DOWN ' && { printf '%s\n' "$status"; fail "$label: ./mesh status shows a service DOWN"; }
  say "$label: ./mesh status lists all $(printf '%s\n' "$status" | grep -c ' running') processes running"
}

# The README's proxyless gRPC command: 1,000 calls through grpc-xds as the frontend pod follow the
# demo's 90/10 GRPCRoute within 5 points.
check_proxyless() {
  local runner=$1 label=$2 out line v1 v2
  out=$($runner ./meshctl proxyless xds:///backend.demo.svc.cluster.local:7070 2>&1) || { printf '%s\n' "$out"; fail "$label: ./meshctl proxyless failed"; }
  line=$(printf '%s\n' "$out" | grep ' 1000 calls -> ') || { printf '%s\n' "$out"; fail "$label: ./meshctl proxyless printed no counts"; }
  printf '%s\n' "$line" | grep -q '(ok=1000 failed=0)' || fail "$label: not every proxyless call succeeded: $line"
  v1=$(printf '%s\n' "$line" | sed -n 's/.*backend-1 \([0-9]*\).*/\1/p')
  v2=$(printf '%s\n' "$line" | sed -n 's/.*backend-2 \([0-9]*\).*/\1/p')
  { [ "${v1:-0}" -ge 850 ] && [ "${v1:-0}" -le 950 ] && [ "${v2:-0}" -ge 50 ] && [ "${v2:-0}" -le 150 ]; } \
    || fail "$label: the proxyless split is not 90/10 within 5 points: $line"
  say "$label: ./meshctl proxyless: $line"
}

mesh_down() {
  local runner=$1 label=$2 deadline
  $runner ./mesh down >/dev/null
  deadline=$((SECONDS + 30))
  while pgrep -f "$COPY/" >/dev/null; do
    [ $SECONDS -lt $deadline ] || { ps -o pid,user,args -p "$(pgrep -d, -f "$COPY/")"; fail "$label: processes left after ./mesh down"; }
    sleep 0.5
  done
  if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && ip netns list | grep -q '^ambt-lab-'; then
    fail "$label: network namespaces left after ./mesh down: $(ip netns list | grep '^ambt-lab-' | tr '\n' ' ')"
  fi
  say "$label: ./mesh down left no process behind"
}

# 1. An ordinary user: first run (builds the start-up caches), then the warm start.
label="as $OWNER (no root)"
mesh_up as_owner "$label, first run"
mesh_down as_owner "$label, first run"
mesh_up as_owner "$label, warm start"
check_status as_owner "$label"
pgrep -f -- "-XX:AOTCache=$COPY/.mesh/aot/ca-service.aot" >/dev/null || fail "$label: the warm start did not use the start-up caches"
answer=$(curl -s -m 10 --socks5 127.244.1.10:15080 http://10.96.0.20:80/) || fail "$label: the SOCKS5 call failed"
printf '%s\n' "$answer" | grep -q '^Pod=backend-' || fail "$label: the SOCKS5 call was not answered by a backend: $answer"
say "$label: curl --socks5 127.244.1.10:15080 http://10.96.0.20:80/ answered by $(printf '%s\n' "$answer" | grep '^Pod=')"
check_proxyless as_owner "$label"
mesh_down as_owner "$label"

# 2. Root: the lab, pods in network namespaces, captured in place.
if [ "$(id -u)" != 0 ]; then
  say "not root, so the run as root (the lab with network namespaces) is skipped"
  exit 0
fi
if ! command -v ip >/dev/null || ! { command -v nft >/dev/null || command -v iptables >/dev/null; }; then
  say "the root run is skipped: the lab needs iproute2 and nftables or iptables"
  exit 0
fi
chown -R root: "$COPY"
mesh_up as_root "as root (the lab)"
check_status as_root "as root (the lab)"
answer=$(ip netns exec ambt-lab-frontend curl -s -m 10 http://10.96.0.20:80/) || fail "as root: the call from the frontend pod failed"
printf '%s\n' "$answer" | grep -q '^Pod=backend-' || fail "as root: the call from the frontend pod was not answered by a backend: $answer"
say "as root (the lab): ip netns exec ambt-lab-frontend curl http://10.96.0.20:80/ answered by $(printf '%s\n' "$answer" | grep '^Pod=')"
check_proxyless as_root "as root (the lab)"
mesh_down as_root "as root (the lab)"
say "passed"
