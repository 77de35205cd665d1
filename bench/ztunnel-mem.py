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

  ZTUNNEL_JAVA_OPTS="..." ZTUNNEL_ENV="LD_PRELOAD=..." bench/ztunnel-mem.py LABEL
ZTUNNEL_JAVA_OPTS defaults to services/ztunnel/jvm.options. Needs the jars built. Prints one RESULT line.
"""
import asyncio, os, re, shlex, shutil, signal, socket, struct, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAVA_HOME = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")
JAVA = [f"{JAVA_HOME}/bin/java", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"]
PREFIX = os.environ.get("POD_PREFIX", "127.77.0.")
IDLE_PODS = int(os.environ.get("IDLE_PODS", "100"))
LOAD_SECONDS = int(os.environ.get("LOAD_SECONDS", "20"))
CLIENT, SERVER = PREFIX + "1", PREFIX + "2"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
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
    finally:
        writer.close()


async def socks_connect(socks, host, port):
    reader, writer = await asyncio.open_connection(socks, 15080, local_addr=(CLIENT, 0))
    writer.write(b"\x05\x01\x00")
    await writer.drain()
    assert await reader.readexactly(2) == b"\x05\x00", "SOCKS5 method refused"
    writer.write(b"\x05\x01\x00\x01" + socket.inet_aton(host) + struct.pack(">H", port))
    await writer.drain()
    reply = await reader.readexactly(10)
    assert reply[1] == 0, f"SOCKS5 CONNECT failed: {reply[1]}"
    return reader, writer


async def load(echo_port, pid, seconds):
    stop = time.time() + seconds
    counts = {"requests": 0, "bulk_bytes": 0}
    peak = [0]

    async def request_response():
        r, w = await socks_connect(CLIENT, SERVER, echo_port)
        payload = os.urandom(1024)
        while time.time() < stop:
            w.write(payload)
            await w.drain()
            await r.readexactly(1024)
            counts["requests"] += 1
        w.close()

    async def bulk():
        r, w = await socks_connect(CLIENT, SERVER, echo_port)
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

    await asyncio.gather(*[request_response() for _ in range(4)], bulk(), bulk(), sample())
    return counts, peak[0]


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
        with open(f"{work}/ca-config/pods.yaml", "w") as f:
            for name, ip, sa in pods:
                f.write(f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: bench}}\n"
                        f"spec: {{nodeName: node-a, serviceAccountName: {sa}}}\nstatus: {{podIP: {ip}}}\n---\n")
        with open(f"{work}/mesh.yaml", "w") as f:
            f.write("workloads:\n")
            for name, ip, sa in pods:
                f.write(f'  - {{uid: "Kubernetes//Pod/bench/{name}", name: {name}, workloadName: {name.split("-")[0]}, '
                        f'namespace: bench, addresses: ["{ip}"], tunnelProtocol: HBONE, trustDomain: cluster.local, '
                        f"serviceAccount: {sa}, node: node-a}}\n")
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
            import json
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
