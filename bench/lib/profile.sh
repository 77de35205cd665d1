# Per-byte costs of a proxy during a measured run (issue 12, "profile before changing anything").
# Sourced by bench/ztunnel.sh.

# profile_proxies DIR NAME SECONDS PID...: run in the background beside a measured iperf3 run of
# SECONDS. After 1 s, 1 s of `strace -f` of the proxies' data calls, for their sizes only (strace
# slows a process: its rate is never read); 1 s later, for SECONDS - 5 s (at most 6): `perf record`
# (CPU clock, call graphs) of every proxy, and `perf stat` of the proxies' system calls
# (tracepoints: HAProxy's recv/send are not counted in /proc/PID/io); then a JIT symbol map for
# each JVM (jcmd Compiler.perfmap, /tmp/perf-PID.map). Read with
#   perf report -i DIR/NAME-PID.perf.data --no-children --sort dso,sym -g none
PROFILE_SYSCALLS=read,readv,write,writev,recvfrom,recvmsg,sendto,sendmsg
profile_span() { local s=$(($1 - 5)); [ "$s" -gt 6 ] && s=6; [ "$s" -ge 1 ] || s=1; echo "$s"; }
profile_proxies() {
  local dir=$1 name=$2 span; span=$(profile_span "$3"); shift 3
  local pid events="raw_syscalls:sys_enter" call
  for call in ${PROFILE_SYSCALLS//,/ } epoll_wait epoll_pwait; do events+=",syscalls:sys_enter_$call"; done
  mkdir -p "$dir"
  sleep 1
  for pid; do
    timeout 1 strace -f -qq -e trace="$PROFILE_SYSCALLS" -p "$pid" -o "$dir/$name-$pid.strace" </dev/null >/dev/null 2>&1 &
  done
  wait
  sleep 1 # the proxies recover from strace
  for pid; do
    perf record -q -F 499 -g -p "$pid" -o "$dir/$name-$pid.perf.data" -- sleep "$span" >/dev/null 2>&1 &
  done
  perf stat -x, -e "$events" -p "$(IFS=,; echo "$*")" -o "$dir/$name.syscalls" -- sleep "$span" >/dev/null 2>&1 &
  wait
  for pid; do
    [ -e "/proc/$pid/exe" ] && [[ "$(readlink "/proc/$pid/exe")" == */java ]] \
      && { "$JAVA_HOME/bin/jcmd" "$pid" Compiler.perfmap >/dev/null 2>&1 || true; }
  done
  return 0 # the caller waits for this under set -e: a profiler's failure must not end the benchmark
}

# profile_summary DIR NAME SECONDS BITS_PER_S: the system calls counted by profile_proxies, per MB
# relayed (the bytes of that window taken as the run's average rate times its length).
profile_summary() {
  local dir=$1 name=$2 span; span=$(profile_span "$3")
  [ -s "$dir/$name.syscalls" ] || { echo "  $name: no system call counts (perf stat failed?)"; return 0; }
  awk -F, -v mb="$(awk -v b="$4" -v s="$span" 'BEGIN { print b / 8 * s / 1e6 }')" -v name="$name" '
    $3 ~ /sys_enter/ { n = $3; sub(/.*sys_enter_?/, "", n); if (n == "") n = "all"; c[n] = $1 + 0 }
    END {
      if (mb <= 0) exit
      printf "  %-8s   per MB (perf stat, %.0f MB): %.1f system calls: ", name, mb, c["all"] / mb
      split("read readv recvfrom recvmsg write writev sendto sendmsg epoll_wait epoll_pwait", k, " ")
      for (i = 1; i <= 10; i++) if (c[k[i]] > 0) printf "%s %.1f ", k[i], c[k[i]] / mb
      printf "\n"
    }' "$dir/$name.syscalls"
}
