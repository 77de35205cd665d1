#!/usr/bin/env bash
# In-pod socket creation (issue 12): microseconds per InPodSocketChannelFactory.newChannel() + close
# on long-lived namespace workers (now), on a new thread per call (before), on the caller's own
# thread, and with no namespace at all (the limit), in one JMH run. Needs root (it makes one
# network namespace with the topology kit): run under the lab lock,
#   flock /tmp/ambit-lab.lock bench/netns.sh [JMH arguments, e.g. -t 2 for two callers at once]
# BENCH_BUILD=0 reuses bench/jmh/target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/netns.sh: needs root (it creates a network namespace)" >&2; exit 1; }
JAVA_HOME=$(./mesh java-home); export JAVA_HOME
if [ "${BENCH_BUILD:-1}" != 0 ]; then
  mvn -B -ntp -q -pl bench/jmh -am -DskipTests package
fi
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp bench/jmh/target/benchmarks.jar \
  org.openjdk.jmh.Main InPodSocketBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s \
  -jvmArgsAppend --enable-native-access=ALL-UNNAMED "$@"
