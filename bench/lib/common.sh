# Shell helpers the bench/*.sh scripts share: processes they start (and stop on exit), CPU and
# memory of those processes, waiting for listeners, throwaway SPIFFE-like certificates, tools
# installed with apt-get. Sourced, not run. The including script sets BENCH_NAME (for messages)
# and `work` (its scratch directory) before it uses them.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# A failure after the scratch directory exists keeps every log (the including script's cleanup).
die() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; [ -d "${work:-}" ] && touch "$work/failed"; exit 1; }

require_root() { [ "$(id -u)" = 0 ] || die "needs root: it creates network namespaces (run it with sudo)"; }

# require_tools TOOL=PACKAGE...: installs the Debian packages of the tools that are missing.
require_tools() {
  local pair missing=()
  for pair; do
    command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "install ${missing[*]} first"
  echo "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } \
    || die "could not install ${missing[*]}; install them and run again"
}

PIDS=() # everything the script started and has not stopped yet; its exit trap stops these

# spawn NS LOG CMD...: runs CMD in network namespace NS (or, with NS "-", in this one) in the
# background, output to LOG; its pid is left in SPAWNED and tracked for the exit trap.
# `ip netns exec` execs CMD, so the pid is CMD's own (the one whose /proc entry counts CPU).
spawn() {
  local ns=$1 log=$2; shift 2
  if [ "$ns" = - ]; then
    "$@" >"$log" 2>&1 &
  else
    ip netns exec "$ns" "$@" >"$log" 2>&1 &
  fi
  SPAWNED=$!
  PIDS+=("$SPAWNED")
}

alive() { # a process that exited stays a zombie until waited for: that is not alive
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# stop PID...: TERM, up to 5 s (STOP_GRACE) to finish, then KILL; forgets the pids.
stop() {
  local pid i keep=() p
  for pid; do kill "$pid" 2>/dev/null || true; done
  for pid; do
    for i in $(seq $(( ${STOP_GRACE:-5} * 10 ))); do alive "$pid" || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    for pid; do [ "$p" = "$pid" ] && continue 2; done
    keep+=("$p")
  done
  PIDS=("${keep[@]}")
}

# wait_listening NS PORT PID LOG: until something listens on TCP PORT in NS; fails if PID dies.
wait_listening() {
  local ns=$1 port=$2 pid=$3 log=$4 i
  for i in $(seq 300); do
    [ -n "$(ip netns exec "$ns" ss -Hltn "sport = :$port")" ] && return 0
    alive "$pid" || { tail -20 "$log" >&2; die "process $pid ($log) exited before listening on $port in $ns"; }
    sleep 0.1
  done
  tail -20 "$log" >&2
  die "nothing listens on port $port in $ns after 30 s ($log)"
}

cpu_ticks() { # utime + stime of the processes (all threads), in clock ticks
  local total=0 pid stat fields
  for pid; do
    stat=$(cat "/proc/$pid/stat")
    read -r -a fields <<<"${stat##*) }"
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

rss_kib() { # VmRSS summed over the processes, then the largest one's
  local total=0 max=0 pid kib
  for pid; do
    kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    total=$((total + kib)); [ "$kib" -gt "$max" ] && max=$kib
  done
  echo "$total $max"
}

# make_certs DIR NAME...: a throwaway ECDSA P-256 root (DIR/root.pem) and one leaf per NAME whose
# only SAN is the SPIFFE URI spiffe://cluster.local/ns/bench/sa/NAME, as Ambit's certificates have
# (DIR/NAME.crt, .key, and .pem = both, the form HAProxy reads).
make_certs() {
  local d=$1 who; shift
  mkdir -p "$d"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/root.key" 2>/dev/null
  openssl req -x509 -new -key "$d/root.key" -subj "/O=ambit-bench/CN=bench root" -days 1 -out "$d/root.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  for who; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/$who.key" 2>/dev/null
    openssl req -new -key "$d/$who.key" -subj "/O=ambit-bench" -out "$d/$who.csr"
    printf '%s\n' "subjectAltName=critical,URI:spiffe://cluster.local/ns/bench/sa/$who" \
      "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth,clientAuth" >"$d/$who.ext"
    openssl x509 -req -in "$d/$who.csr" -CA "$d/root.pem" -CAkey "$d/root.key" -CAserial "$d/root.srl" \
      -CAcreateserial -days 1 -extfile "$d/$who.ext" -out "$d/$who.crt" 2>/dev/null
    cat "$d/$who.crt" "$d/$who.key" >"$d/$who.pem"
  done
}

# HAProxy's global section for a mutual-TLS 1.3 peer: AES-GCM suites only, as Ambit's TLS.
haproxy_tls_globals() {
  local suites=TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384
  cat <<CFG
global
  maxconn 4096
  ssl-default-bind-options ssl-min-ver TLSv1.3
  ssl-default-bind-ciphersuites $suites
  ssl-default-server-options ssl-min-ver TLSv1.3
  ssl-default-server-ciphersuites $suites
CFG
}

# finish_run NAME: the end of every run (the including script's exit trap calls it last): a run with
# a failed step keeps its scratch directory, every process's log, in .mesh/bench-runs/NAME-<time>.
finish_run() {
  if [ -f "$work/failed" ]; then
    local kept=.mesh/bench-runs/$1-$(date +%Y%m%d-%H%M%S)
    mkdir -p "$kept" && cp -r "$work"/. "$kept"/ && echo "a step failed; logs kept in $kept" >&2
  fi
  rm -rf "$work"
}

# jit_cpu_seconds PID...: CPU seconds (user + system) the JIT compiler threads of the processes have used so
# far, from /proc; "" when none has such threads (not a JVM). This is what the JIT takes from the proxies'
# CPU; jstat's compile time is elapsed time, which on a loaded machine is many times the CPU it used.
# A compiler thread the JVM stopped meanwhile takes its count with it: a round then reads low, never high.
jit_cpu_seconds() {
  local pid t total="" found=0 ticks
  for pid; do
    for t in /proc/"$pid"/task/*; do
      case "$(cat "$t/comm" 2>/dev/null)" in
        C1\ CompilerThre*|C2\ CompilerThre*)
          ticks=$(awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "$t/stat" 2>/dev/null) || continue
          found=$((found + ticks)); total=x ;;
      esac
    done
  done
  [ -n "$total" ] && awk -v t="$found" -v c="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / c }'
  return 0
}

# warm_in_rounds NAME WHAT ROUND_FN [PROXY_PID...]: calls ROUND_FN (one round of every traffic shape the measured
# runs then use; WHAT names them) until the proxies are warm, as a long-running proxy is. JVM proxies get rounds
# until their JIT has settled: a round in which their compiler threads used less than WARM_SETTLED s of CPU
# together (jit_cpu_seconds), or WARM_MAX s, whichever comes first (printed either way). C2 compiles for the
# shape it sees and deoptimises when the shape changes, and compiling on the same cores inside a measured run
# counts as proxy CPU. Paths without a JVM (HAProxy, direct) get one round: the kernel and caches see the traffic.
WARM_MAX=${BENCH_WARM_MAX:-180}
WARM_SETTLED=${BENCH_WARM_SETTLED:-0.5}
warm_in_rounds() {
  local name=$1 what=$2 round_fn=$3; shift 3
  local pids=("$@") round=0 start=$SECONDS jit0="" jit1 spent
  [ ${#pids[@]} -gt 0 ] && jit0=$(jit_cpu_seconds "${pids[@]}")
  [ -n "${jit0:-}" ] || pids=() # no JVM among them: one round
  while :; do
    round=$((round + 1))
    "$round_fn" || true # each step of a round reports its own failure (and marks the run failed)
    if [ ${#pids[@]} -eq 0 ]; then
      printf '  %-8s warm-up: 1 round of %s, %d s each (no JIT to settle)\n' "$name" "$what" "$WARMUP"
      return 0
    fi
    jit1=$(jit_cpu_seconds "${pids[@]}")
    spent=$(awk -v a="$jit1" -v b="$jit0" 'BEGIN { printf "%.2f", a - b }')
    jit0=$jit1
    if awk -v s="$spent" -v t="$WARM_SETTLED" 'BEGIN { exit !(s < t) }'; then
      printf '  %-8s warm-up: settled after %d round(s), %d s (last round: %s s of JIT CPU, all its JVMs; under %s s)\n' \
        "$name" "$round" $((SECONDS - start)) "$spent" "$WARM_SETTLED"
      return 0
    fi
    if [ $((SECONDS - start)) -ge "$WARM_MAX" ]; then
      printf '  %-8s warm-up: NOT settled after %d round(s), %d s (BENCH_WARM_MAX): last round still %s s of JIT CPU\n' \
        "$name" "$round" $((SECONDS - start)) "$spent"
      return 0
    fi
    printf '  %-8s warm-up round %d: %s s of JIT CPU (all its JVMs)\n' "$name" "$round" "$spent"
  done
}
