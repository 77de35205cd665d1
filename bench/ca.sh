#!/usr/bin/env bash
# CA benchmark: starts the real ca-service jar on free ports with a throwaway state directory,
# drives CreateCertificate over gRPC + TLS (closed loop, then 500/s open loop), and prints the
# figures beside `openssl speed ecdsap256` measured in the same run.
# Usage: bench/ca.sh [seconds per phase, 20] [in-flight, 32] [rate/s, 500] [warm-up seconds, 60]
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(./mesh java-home); export JAVA_HOME
mvn -B -ntp -q -pl services/ca-service,bench/jmh -am -DskipTests install

work=$(mktemp -d)
trap 'kill "$ca_pid" 2>/dev/null || true; wait "$ca_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
grpc_port=$(free_port); http_port=$(free_port)
(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/node-a-token")
mkdir -p "$work/config"
cat > "$work/config/pods.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: bench-1, namespace: bench}
spec: {nodeName: node-a, serviceAccountName: bench, containers: [{name: c, image: i}]}
YAML
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED ${CA_JAVA_OPTS:-} -jar services/ca-service/target/ca-service.jar \
  --server.port="$http_port" --management.server.port="$http_port" --ambit.ca.grpc.port="$grpc_port" \
  --ambit.ca.state-dir="$work/state" --ambit.ca.local.config-dir="$work/config" \
  --ambit.ca.local.node-token-files.node-a="$work/node-a-token" >"$work/ca.log" 2>&1 &
ca_pid=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$http_port/actuator/health/readiness" >/dev/null && break
  kill -0 "$ca_pid" || { cat "$work/ca.log"; exit 1; }
  sleep 0.5
done
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp bench/jmh/target/benchmarks.jar io.ambit.bench.ca.CaLoad \
  "127.0.0.1:$grpc_port" "$work/node-a-token" spiffe://cluster.local/ns/bench/sa/bench "${1:-20}" "${2:-32}" "${3:-500}" "$http_port" "${4:-60}"
