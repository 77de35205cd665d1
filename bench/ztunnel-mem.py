#!/usr/bin/env python3
"""One ztunnel's memory, idle with 100 pods and under load, without root or the lab (issue 12).

Starts ca-service (local mode) and one ztunnel in host mode (no capture): every pod has a loopback
address (127.77.0.x), so ztunnel serves it on the host (HBONE on <ip>:15008, SOCKS5 on <ip>:15080)
with its own certificate, the same proxy path as in-pod capture. Pods: a client, a server (an echo
server on the server pod's address) and 100 idle pods. Reads, for the ztunnel JVM:
  idle:  RSS once all 102 pods are served and 10 s later (a trim interval passed);
  load:  peak and final RSS while 4 connections do 1 KiB request/response and 2 connections push
         64 KiB chunks client pod -> SOCKS5 -> HBONE (mutual TLS) -> server pod, for LOAD_SECONDS.
Also NMT summary (when -XX:NativeMemoryTracking is among the flags) and the loaded class count.
Then the marginal costs issue 12 asks for, each read as RSS and heap used after a full GC (jcmd GC.run), after a
trim interval, before and after the step:
  +MARGINAL_PODS (100) pods: idle, same service account as the idle pods (so no new certificate: the cost of a
         captured pod's state and its HBONE and SOCKS5 listeners);
  +SOURCE_IDENTITIES (10) pods, each with a service account of its own (a certificate and a client TLS context
         each: the cost of a new identity);
  +IDLE_TUNNELS (1,000) idle tunnels, one from each of those sources to each of the added pods (an echo server
         on each), so that every tunnel rides its own HBONE connection: the pool key is {source identity,
         destination identity, destination address}. Checked by counting the established connections to port
         15008 in /proc/net/tcp. Both ends of each HBONE connection are in this one ztunnel, and each tunnel
         also holds its SOCKS5 and upstream sockets: the figure per connection is all of that together.
MARGINAL_HOOK, a shell command run after each of those reads ({pid}, {step} = base/pods/identities/tunnels filled in).

  ZTUNNEL_JAVA_OPTS="..." ZTUNNEL_ENV="LD_PRELOAD=..." bench/ztunnel-mem.py LABEL
ZTUNNEL_JAVA_OPTS defaults to services/ztunnel/jvm.options. Needs the jars built. Prints one RESULT line.
"""
import asyncio, json, os, re, resource, shlex, shutil, signal, socket, struct, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAVA_HOME = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")
JAVA = [f"{JAVA_HOME}/bin/java", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"]
PREFIX = os.environ.get("POD_PREFIX", "127.77.0.")
IDLE_PODS = int(os.environ.get("IDLE_PODS", "100"))
LOAD_SECONDS = int(os.environ.get("LOAD_SECONDS", "20"))
CLIENT, SERVER = PREFIX + "1", PREFIX + "2"
MARGINAL_PODS = int(os.environ.get("MARGINAL_PODS", "100"))  # 0 skips the marginal steps
SOURCE_IDENTITIES = int(os.environ.get("SOURCE_IDENTITIES", "10"))
IDLE_TUNNELS = int(os.environ.get("IDLE_TUNNELS", "1000"))
ADDED_PREFIX = os.environ.get("ADDED_POD_PREFIX", "127.77.1.")  # the added idle pods, then the sources
SOURCE_PREFIX = os.environ.get("SOURCE_POD_PREFIX", "127.77.2.")
# Issue 12's targets for the marginal costs.
TARGET_KIB_PER_POD, TARGET_KIB_PER_CONNECTION = 256, 16


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def http_ok(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status == 200, r.read()
    except Exception:
        return False, b""


def wait_until(check, seconds, what, procs):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return
        for name, p in procs:
            if p.poll() is not None:
                sys.exit(f"{name} exited ({p.returncode}) while waiting for {what}")
        time.sleep(0.5)
    sys.exit(f"timed out waiting for {what}")


async def echo(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    except asyncio.CancelledError:
        pass  # the server closed at the end of a step: ending quietly spares a traceback per connection
    finally:
        writer.close()


async def socks_connect(socks, host, port):
    reader, writer = await asyncio.open_connection(socks, 15080, local_addr=(socks, 0))
    writer.write(b"\x05\x01\x00")
    await writer.drain()
    assert await reader.readexactly(2) == b"\x05\x00", "SOCKS5 method refused"
    writer.write(b"\x05\x01\x00\x01" + socket.inet_aton(host) + struct.pack(">H", port))
    await writer.drain()
    reply = await reader.readexactly(10)
    assert reply[1] == 0, f"SOCKS5 CONNECT failed: {reply[1]}"
    return reader, writer


async def load(echo_port, pid, seconds):
    # The clock starts once all six tunnels are up: on a busy machine the first HBONE connection (handshake,
    # JIT) took longer than a 10 s window, and such runs measured an idle ztunnel ("0 req/s").
    streams = [await socks_connect(CLIENT, SERVER, echo_port) for _ in range(6)]
    stop = time.time() + seconds
    counts = {"requests": 0, "bulk_bytes": 0}
    peak = [0]

    async def request_response(r, w):
        payload = os.urandom(1024)
        while time.time() < stop:
            w.write(payload)
            await w.drain()
            await r.readexactly(1024)
            counts["requests"] += 1
        w.close()

    async def bulk(r, w):
        chunk = os.urandom(65536)

        async def drain_reader():
            try:
                while (data := await r.read(1 << 20)):
                    counts["bulk_bytes"] += len(data)
            except ConnectionError:
                pass
        reading = asyncio.create_task(drain_reader())
        while time.time() < stop:
            w.write(chunk)
            await w.drain()
        reading.cancel()  # the bytes counted are those echoed back during the run
        w.close()

    async def sample():
        while time.time() < stop:
            peak[0] = max(peak[0], rss_kib(pid))
            await asyncio.sleep(0.5)

    await asyncio.gather(*[request_response(*rw) for rw in streams[:4]], *[bulk(*rw) for rw in streams[4:]], sample())
    return counts, peak[0]


def workload_yaml(name, ip, sa):
    return (f'  - {{uid: "Kubernetes//Pod/bench/{name}", name: {name}, workloadName: {name.split("-")[0]}, '
            f'namespace: bench, addresses: ["{ip}"], tunnelProtocol: HBONE, trustDomain: cluster.local, '
            f"serviceAccount: {sa}, node: node-a}}\n")


def hbone_connections(pid, prefix):
    """Established TCP connections whose local end is <prefix>*:15008 (the server side of HBONE connections)."""
    count = 0
    for table in ("tcp", "tcp6"):  # Java's sockets are dual-stack: IPv4 peers show as ::ffff:a.b.c.d in tcp6
        for line in open(f"/proc/{pid}/net/{table}").read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            ip_hex, port_hex = local.split(":")
            if len(ip_hex) == 32 and ip_hex[:24] != "0000000000000000FFFF0000":
                continue
            ip = socket.inet_ntoa(struct.pack("<I", int(ip_hex[-8:], 16)))
            count += state == "01" and int(port_hex, 16) == 15008 and ip.startswith(prefix)
    return count


class Marginal:
    """RSS and heap after a full GC, read at the steps of the marginal-cost measurement."""

    def __init__(self, pid, http_port):
        self.pid, self.http_port = pid, http_port

    def heap_used(self):
        subprocess.run([f"{JAVA_HOME}/bin/jcmd", str(self.pid), "GC.run"], capture_output=True, check=True)
        # A scrape of a JVM on a busy machine (load 16) can take more than the 2 s the readiness checks allow.
        ok, body = http_ok(f"http://127.0.0.1:{self.http_port}/actuator/prometheus", timeout=30)
        if not ok:
            sys.exit("cannot read ztunnel's heap from /actuator/prometheus")
        return sum(float(l.rsplit(" ", 1)[1]) for l in body.decode().splitlines()
                   if l.startswith("jvm_memory_used_bytes{") and 'area="heap"' in l)

    def read(self, step):
        """(RSS KiB, heap KiB): a GC, then a trim interval (-XX:TrimNativeHeapInterval=5000) for glibc to give back."""
        self.heap_used()
        time.sleep(6)
        heap = self.heap_used()
        rss = rss_kib(self.pid)
        if os.environ.get("MARGINAL_HOOK"):  # e.g. a jemalloc heap dump through gdb (bench/README.md)
            subprocess.run(os.environ["MARGINAL_HOOK"].format(pid=self.pid, step=step), shell=True)
        return rss, heap / 1024


def add_workloads(mesh, lines, want, admin_port, procs, served_check=None):
    with open(mesh, "a") as f:  # one write: one change for the file watcher
        f.write("".join(lines))
    def served():
        ok, body = http_ok(f"http://127.0.0.1:{admin_port}/config_dump")
        return ok and len(json.loads(body)["capture"]["pods"]) >= want and (served_check is None or served_check(json.loads(body)))
    wait_until(served, 240, f"ztunnel serving {want} pods", procs)


async def open_idle_tunnels(sources, destinations, port):
    """One tunnel from each source pod to each destination pod, each proven end to end by one echoed byte."""
    gate = asyncio.Semaphore(50)

    async def one(source, destination):
        async with gate:
            reader, writer = await socks_connect(source, destination, port)
            writer.write(b"x")
            await writer.drain()
            if await reader.readexactly(1) != b"x":
                raise RuntimeError(f"no echo through {source} -> {destination}")
            return writer
    return await asyncio.gather(*[one(s, d) for s in sources for d in destinations])


def marginal_costs(zt, zt_http, zt_admin, mesh, echo_port, procs):
    m = Marginal(zt.pid, zt_http)
    lines = []
    rss0, heap0 = m.read("base")
    added = [(f"added-{n}", ADDED_PREFIX + str(n), "server") for n in range(1, MARGINAL_PODS + 1)]
    base = len(json.loads(http_ok(f"http://127.0.0.1:{zt_admin}/config_dump")[1])["capture"]["pods"])
    add_workloads(mesh, [workload_yaml(*p) for p in added], base + len(added), zt_admin, procs)
    rss1, heap1 = m.read("pods")
    per_pod = (rss1 - rss0) / len(added)
    lines.append(f"+{len(added)} pods (same identity): RSS {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB, "
                 f"heap after GC {heap0 / 1024:.1f} -> {heap1 / 1024:.1f} MiB: {per_pod:.0f} KiB RSS and "
                 f"{(heap1 - heap0) / len(added):.0f} KiB heap per pod (target <= {TARGET_KIB_PER_POD} KiB RSS: "
                 f"{'met' if per_pod <= TARGET_KIB_PER_POD else 'NOT met'})")
    if SOURCE_IDENTITIES <= 0 or IDLE_TUNNELS <= 0:
        return lines
    sources = [(f"source-{n}", SOURCE_PREFIX + str(n), f"source-{n}") for n in range(1, SOURCE_IDENTITIES + 1)]
    want_ids = {f"spiffe://cluster.local/ns/bench/sa/source-{n}" for n in range(1, SOURCE_IDENTITIES + 1)}

    def certified(_):  # every source's certificate has arrived (/certs: ztunnel's CertsDump shape)
        ok, body = http_ok(f"http://127.0.0.1:{zt_admin}/certs")
        return ok and want_ids <= {c["identity"] for c in json.loads(body) if c.get("state") == "Available"}
    add_workloads(mesh, [workload_yaml(*p) for p in sources], base + len(added) + len(sources), zt_admin, procs, certified)
    rss2, heap2 = m.read("identities")
    lines.append(f"+{len(sources)} pods with an identity each: RSS {rss1 / 1024:.1f} -> {rss2 / 1024:.1f} MiB, heap after GC "
                 f"{heap1 / 1024:.1f} -> {heap2 / 1024:.1f} MiB: {(rss2 - rss1) / len(sources):.0f} KiB RSS and "
                 f"{(heap2 - heap1) / len(sources):.0f} KiB heap per identity")
    per_source = max(1, IDLE_TUNNELS // len(sources))
    destinations = [ip for _, ip, _ in added][:per_source]
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    async def hold():
        servers = [await asyncio.start_server(echo, ip, echo_port) for ip in destinations]
        writers = await open_idle_tunnels([ip for _, ip, _ in sources], destinations, echo_port)
        await asyncio.sleep(1)
        connections = hbone_connections(zt.pid, ADDED_PREFIX)
        rss3, heap3 = await asyncio.to_thread(m.read, "tunnels")
        for w in writers:
            w.close()
        for s in servers:
            s.close()
        return len(writers), connections, rss3, heap3
    tunnels, connections, rss3, heap3 = asyncio.run(hold())
    per_connection = (rss3 - rss2) / tunnels
    lines.append(f"+{tunnels} idle tunnels on {connections} HBONE connections (both ends in this ztunnel): RSS "
                 f"{rss2 / 1024:.1f} -> {rss3 / 1024:.1f} MiB, heap after GC {heap2 / 1024:.1f} -> {heap3 / 1024:.1f} MiB: "
                 f"{per_connection:.1f} KiB RSS and {(heap3 - heap2) / tunnels:.1f} KiB heap per tunnel with its own "
                 f"HBONE connection (target <= {TARGET_KIB_PER_CONNECTION} KiB per idle HBONE connection: "
                 f"{'met' if per_connection <= TARGET_KIB_PER_CONNECTION else 'NOT met'})")
    return lines


def main():
    label = sys.argv[1] if len(sys.argv) > 1 else "default"
    opts = os.environ.get("ZTUNNEL_JAVA_OPTS")
    if opts is None:
        with open(f"{ROOT}/services/ztunnel/jvm.options") as f:
            opts = " ".join(l.strip() for l in f if l.strip() and not l.strip().startswith("#"))
    extra_env = dict(kv.split("=", 1) for kv in shlex.split(os.environ.get("ZTUNNEL_ENV", "")))
    work = tempfile.mkdtemp(prefix="ztunnel-mem-")
    procs = []
    try:
        os.makedirs(f"{work}/ca-config"); os.makedirs(f"{work}/tokens")
        token = f"{work}/tokens/node-a"
        with open(token, "w") as f:
            f.write(os.urandom(16).hex())
        os.chmod(token, 0o600)
        pods = [("client", CLIENT, "client"), ("server", SERVER, "server")]
        pods += [(f"idle-{n}", PREFIX + str(2 + n), "server") for n in range(1, IDLE_PODS + 1)]
        later = [(f"added-{n}", ADDED_PREFIX + str(n), "server") for n in range(1, MARGINAL_PODS + 1)]
        later += [(f"source-{n}", SOURCE_PREFIX + str(n), f"source-{n}") for n in range(1, SOURCE_IDENTITIES + 1)]
        with open(f"{work}/ca-config/pods.yaml", "w") as f:  # the CA knows every pod from the start
            for name, ip, sa in pods + (later if MARGINAL_PODS > 0 else []):
                f.write(f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: bench}}\n"
                        f"spec: {{nodeName: node-a, serviceAccountName: {sa}}}\nstatus: {{podIP: {ip}}}\n---\n")
        with open(f"{work}/mesh.yaml", "w") as f:
            f.write("workloads:\n")
            for pod in pods:
                f.write(workload_yaml(*pod))
        ca_grpc, ca_http, zt_http, zt_admin, echo_port = (free_port() for _ in range(5))
        ca = subprocess.Popen(JAVA + ["-XX:TieredStopAtLevel=1", "-jar", f"{ROOT}/services/ca-service/target/ca-service.jar",
                              f"--server.port={ca_http}", f"--management.server.port={ca_http}",
                              f"--ambit.ca.grpc.port={ca_grpc}", "--ambit.ca.grpc.address=127.0.0.1",
                              f"--ambit.ca.state-dir={work}/ca", f"--ambit.ca.local.config-dir={work}/ca-config",
                              "--ambit.ca.local.store-url=", f"--ambit.ca.local.node-token-files.node-a={token}"],
                             stdout=open(f"{work}/ca.log", "w"), stderr=subprocess.STDOUT)
        procs.append(("ca-service", ca))
        wait_until(lambda: http_ok(f"http://127.0.0.1:{ca_http}/ca/root-cert.pem")[0], 180, "ca-service", procs)
        zt = subprocess.Popen(JAVA + shlex.split(opts) + ["-jar", os.environ.get("ZTUNNEL_JAR", f"{ROOT}/services/ztunnel/target/ztunnel.jar"),
                              f"--server.port={zt_http}", f"--management.server.port={zt_http}",
                              f"--ambit.ztunnel.admin-port={zt_admin}", "--ambit.ztunnel.node=node-a",
                              f"--ambit.ztunnel.token-file={token}", f"--ambit.ztunnel.local-config={work}/mesh.yaml",
                              f"--ambit.ztunnel.ca-address=127.0.0.1:{ca_grpc}",
                              f"--ambit.ztunnel.bundle-url=http://127.0.0.1:{ca_http}/ca/root-cert.pem",
                              "--ambit.ztunnel.proxy.capture=false", "--logging.level.ambit.ztunnel.access=WARN"],
                             stdout=open(f"{work}/ztunnel.log", "w"), stderr=subprocess.STDOUT,
                             env={**os.environ, **extra_env})
        procs.append(("ztunnel", zt))

        def served():
            ok, body = http_ok(f"http://127.0.0.1:{zt_admin}/config_dump")
            if not ok:
                return False
            return len(json.loads(body)["capture"]["pods"]) >= len(pods)
        started = time.time()
        wait_until(served, 240, "ztunnel serving all pods", procs)
        ready_s = time.time() - started
        time.sleep(2)
        idle0 = rss_kib(zt.pid)
        time.sleep(10)
        idle = rss_kib(zt.pid)
        classes = subprocess.run([f"{JAVA_HOME}/bin/jcmd", str(zt.pid), "VM.classloader_stats"],
                                 capture_output=True, text=True).stdout
        total_classes = re.search(r"Total = \d+\s+(\d+)", classes)

        async def run_load():
            server = await asyncio.start_server(echo, SERVER, echo_port)
            async with server:
                return await load(echo_port, zt.pid, LOAD_SECONDS)
        counts, peak = asyncio.run(run_load())
        after = rss_kib(zt.pid)
        nmt = subprocess.run([f"{JAVA_HOME}/bin/jcmd", str(zt.pid), "VM.native_memory", "summary"],
                             capture_output=True, text=True).stdout
        with open(f"/tmp/ztunnel-mem-{label}.nmt", "w") as f:
            f.write(nmt)
        with open(f"/tmp/ztunnel-mem-{label}.smaps", "w") as f:
            f.write(open(f"/proc/{zt.pid}/smaps").read())
        cpu = open(f"/proc/{zt.pid}/stat").read().split(")")[1].split()
        cpu_s = (int(cpu[11]) + int(cpu[12])) / os.sysconf("SC_CLK_TCK")
        print(f"RESULT {label}: ready {ready_s:.0f}s idle {idle0 // 1024}->{idle // 1024} MiB, "
              f"load peak {peak // 1024} MiB end {after // 1024} MiB, classes {total_classes.group(1) if total_classes else '?'}, "
              f"{counts['requests'] / LOAD_SECONDS:.0f} req/s, bulk {counts['bulk_bytes'] * 8 / LOAD_SECONDS / 1e6:.0f} Mbit/s, "
              f"ztunnel CPU total {cpu_s:.1f}s", flush=True)
        if MARGINAL_PODS > 0:
            for line in marginal_costs(zt, zt_http, zt_admin, f"{work}/mesh.yaml", echo_port, procs):
                print(f"MARGINAL {label}: {line}", flush=True)
    finally:
        for name, p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
        if os.environ.get("KEEP_WORK"):
            print("work dir:", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
