# Per-byte costs of a proxy during a measured run (issue 12, "profile before changing anything").
# Sourced by bench/ztunnel.sh.

# proc_io PID...: "<read syscalls> <write syscalls>" summed over the processes (all threads), from
# /proc/PID/io (syscr counts read, readv, recv*; syscw write, writev, send*): free to read, so the
# summary can print syscalls per MB for every proxy, HAProxy included.
proc_io() {
  local pid r=0 w=0
  for pid; do
    read -r r w < <(awk -v r="$r" -v w="$w" '$1 == "syscr:" { r += $2 } $1 == "syscw:" { w += $2 } END { print r, w }' "/proc/$pid/io")
  done
  echo "$r $w"
}

# per_mb BEFORE AFTER BYTES: "<reads> <writes>" per MB (1e6 bytes) from two proc_io readings.
per_mb() {
  local r0 w0 r1 w1
  read -r r0 w0 <<<"$1"; read -r r1 w1 <<<"$2"
  awk -v r="$((r1 - r0))" -v w="$((w1 - w0))" -v b="$3" 'BEGIN { if (b > 0) printf "%.1f %.1f", r * 1e6 / b, w * 1e6 / b; else print "- -" }'
}

# profile_proxies DIR NAME SECONDS PID...: run in the background beside a measured iperf3 run.
# After 2 s: `perf record` (CPU clock, call graphs) on every proxy for SECONDS - 5 s (at most 6), a
# JIT symbol map for each JVM (jcmd Compiler.perfmap, /tmp/perf-PID.map), then 1 s of `strace -f`
# of their data syscalls (the sizes of reads and writes; strace slows the process, so it comes last
# and only its sizes are read, never its rate). Read them with
#   perf report -i DIR/NAME-PID.perf.data --no-children --sort dso,sym
PROFILE_SYSCALLS=read,readv,write,writev,recvfrom,recvmsg,sendto,sendmsg
profile_proxies() {
  local dir=$1 name=$2 seconds=$3; shift 3
  local pid span=$((seconds - 5))
  [ "$span" -gt 6 ] && span=6
  [ "$span" -ge 1 ] || span=1
  mkdir -p "$dir"
  sleep 2
  for pid; do
    perf record -q -F 499 -g -p "$pid" -o "$dir/$name-$pid.perf.data" -- sleep "$span" >/dev/null 2>&1 &
  done
  wait
  for pid; do
    "$JAVA_HOME/bin/jcmd" "$pid" Compiler.perfmap >/dev/null 2>&1 || true
    timeout 1 strace -f -qq -e trace="$PROFILE_SYSCALLS" -p "$pid" -o "$dir/$name-$pid.strace" >/dev/null 2>&1 &
  done
  wait
}
