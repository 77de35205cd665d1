#!/usr/bin/env bash
# TLS benchmark: Ambit's mesh TLS (BoringSSL) against the JDK's TLS 1.3 (the peer) and plain TCP
# (the limit), in one JMH run on loopback. Extra arguments go to JMH, e.g. bench/tls.sh -f 2 -i 10.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(./mesh java-home); export JAVA_HOME
mvn -B -ntp -q -pl bench/jmh -am -DskipTests package
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar bench/jmh/target/benchmarks.jar "$@"
