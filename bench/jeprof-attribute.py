#!/usr/bin/env python3
"""Which part of a JVM holds its malloc'ed memory: one jemalloc heap profile, attributed by call site (issue 12).

Run the JVM under jemalloc's sampling profiler, e.g. with bench/ztunnel-mem.py:
  ZTUNNEL_ENV="LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
      MALLOC_CONF=prof:true,lg_prof_sample:17,lg_prof_interval:28,prof_prefix:/tmp/jeprof-zt,prof_final:true"
  ZTUNNEL_JAVA_OPTS="$(grep -v '^ *#' services/ztunnel/jvm.options | xargs)
      -Dio.netty.native.deleteLibAfterLoading=false -Dio.netty.native.workdir=/tmp/ntc"
  bench/ztunnel-mem.py jeprof
(lg_prof_interval:28 writes a profile after every 256 MiB malloc'ed; Debian's libjemalloc2 has the profiler on.)
Then: bench/jeprof-attribute.py /tmp/jeprof-zt.<pid>.<n>.i<n>.heap [-v]

Prints the live bytes at that moment (jemalloc's samples scaled back the way jeprof does) per owner: netty-tcnative
(BoringSSL: any frame in its .so), Netty's epoll .so, zlib under java.util.zip.Inflater (jar reading), the JVM's
own parts by libjvm symbol (compiler arenas, class parsing and symbols, ...), and malloc called straight from Java
code (Unsafe.allocateMemory: direct buffers, NMT's "Other"). -v lists the stacks left unclassified.
"""
import bisect, collections, math, re, subprocess, sys

JAVA_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64"
LIBJVM = f"{JAVA_HOME}/lib/server/libjvm.so"
# libjvm symbols on a stack -> owner; the first that matches wins.
JVM_PARTS = [
    ("JVM: C1/C2 compiler (arenas, IR, code installation)", r"CompileBroker|Compilation::|C2Compiler|Compile::"),
    ("JVM: class loading (parsed classes, symbols)", r"ClassFileParser|SymbolTable|KlassFactory|SystemDictionary|ClassLoader::|Metaspace"),
    ("JVM: code blobs, nmethods", r"nmethod|CodeBlob|CodeCache"),
    ("JVM: GC", r"GC|Heap::|Collected|Serial|CardTable"),
    ("JVM: threads", r"Thread::Thread|JavaThread::JavaThread|os::create_thread|ThreadLocalAllocBuffer|HandleArea"),
    ("JVM: JFR, NMT, management", r"Jfr|MemTracker|Management|jmm_"),
    ("JVM: interpreter, runtime, linking", r"LinkResolver|InterpreterRuntime|SharedRuntime|MethodData|MethodCounters|ConstantPool|Method::|AdapterHandler|Interpreter"),
]


def main():
    path, verbose = sys.argv[1], "-v" in sys.argv
    text = open(path).read()
    stacks, maps = text.split("MAPPED_LIBRARIES:")
    rate = int(stacks.split("\n", 1)[0].split("/")[1])  # heap_v2/<mean sample interval>
    regions = []  # executable mappings: (start, end, file offset, file or [anon] for JIT code)
    for line in maps.splitlines():
        p = line.split()
        if len(p) >= 5 and "x" in p[1]:
            start, end = (int(x, 16) for x in p[0].split("-"))
            regions.append((start, end, int(p[2], 16), p[5] if len(p) >= 6 else "[anon]"))

    def region(addr):
        for start, end, offset, name in regions:
            if start <= addr < end:
                return name
        return "?"

    symbols = []
    nm = subprocess.run(["nm", "-C", "--defined-only", LIBJVM], capture_output=True, text=True).stdout
    for line in nm.splitlines():
        p = line.split(" ", 2)
        if len(p) == 3 and p[1] in "tTwW":
            symbols.append((int(p[0], 16), p[2]))
    symbols.sort()
    starts = [s for s, _ in symbols]
    jvm_base = min(start - offset for start, _, offset, name in regions if name == LIBJVM)

    def jvm_symbol(addr):
        i = bisect.bisect_right(starts, addr - jvm_base) - 1
        return symbols[i][1] if i >= 0 else "?"

    owners, unclassified = collections.Counter(), collections.Counter()
    frames = None
    for line in stacks.splitlines()[1:]:
        if line.startswith("@"):
            frames = [int(x, 16) for x in line[1:].split()]
            continue
        m = re.match(r"\s*t\*:\s*(\d+):\s*(\d+)", line)
        if frames is None or not m:
            continue
        count, sampled = int(m.group(1)), int(m.group(2))
        # jemalloc samples an allocation of size s with probability 1 - exp(-s/rate): scale back (as jeprof does).
        live = sampled / (1 - math.exp(-(sampled / count) / rate)) if count else 0
        libs = [region(a).rsplit("/", 1)[-1] for a in frames]
        jvm = " ".join(jvm_symbol(a) for a, lib in zip(frames, libs) if lib == "libjvm.so")
        if any("tcnative" in lib for lib in libs):
            owner = "netty-tcnative (BoringSSL)"
        elif any("netty_transport_native" in lib for lib in libs):
            owner = "Netty epoll (native transport)"
        elif "libzip.so" in libs:
            owner = "zlib under java.util.zip.Inflater (reading jars)"
        elif jvm == "os::malloc(unsigned long, MemTag)" and "[anon]" in libs:  # Unsafe_AllocateMemory0 tail-calls it
            owner = "malloc straight from Java code (Unsafe.allocateMemory: direct buffers, NMT 'Other')"
        else:
            owner = next((name for name, rx in JVM_PARTS if re.search(rx, jvm)), None)
            if owner is None:
                owner = "other"
                unclassified[jvm[:200] or "/".join(libs)] += live
        owners[owner] += live
        frames = None
    print(f"{path}: {sum(owners.values()) / 2**20:.1f} MiB live in malloc")
    for owner, live in owners.most_common():
        print(f"{live / 2**20:8.2f} MiB  {owner}")
    if verbose:
        for stack, live in unclassified.most_common(15):
            print(f"   other {live / 2**20:6.2f} MiB: {stack}")


if __name__ == "__main__":
    main()
