package io.ambit.lab;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the lab's processes (a service jar, or a workload inside a pod's namespace): started
 * with its output in its own log file of the run's folder, stopped with SIGTERM (then SIGKILL
 * after 10 s), and asked for readiness over HTTP on loopback.
 */
public final class MeshProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MeshProcess.class);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final List<String> command;
    private final Path logFile;
    private Process process;
    private volatile long startedAt;
    private volatile Duration readyAfter;

    MeshProcess(String name, List<String> command, Path logFile) {
        this.name = name;
        this.command = List.copyOf(command);
        this.logFile = logFile;
    }

    /** A service JVM ({@code jar}, for its flags) launched with {@code launch} ({@code -jar <jar>}, or a start-up cache and its jar) and {@code args}. */
    static MeshProcess java(String name, Path jar, List<String> launch, List<String> args, Path logFile) {
        List<String> command = new ArrayList<>(javaCommand(jar));
        command.addAll(launch);
        command.addAll(args);
        return new MeshProcess(name, command, logFile);
    }

    /**
     * The running JVM's own {@code java}, with the flags Ambit's services need (FFM, Netty) and
     * a small-footprint default: control-plane processes and workloads are short on work and
     * long on waiting, so C1 only and a serial collector.
     */
    static List<String> javaCommand() {
        List<String> command = new ArrayList<>(baseCommand());
        command.addAll(List.of("-XX:+UseSerialGC", "-Xmx384m", "-XX:TieredStopAtLevel=1"));
        return List.copyOf(command);
    }

    /**
     * The command for a service jar ({@code services/<name>/target/<name>.jar}): its module's
     * {@code jvm.options} (one flag per line, {@code #} comments) when it has one, so that the
     * lab, the benchmark and the start-up cache's training run start it alike; else
     * {@link #javaCommand()}.
     */
    static List<String> javaCommand(Path serviceJar) {
        Path options = serviceJar.toAbsolutePath().getParent().getParent().resolve("jvm.options");
        if (!Files.isRegularFile(options)) {
            return javaCommand();
        }
        List<String> command = new ArrayList<>(baseCommand());
        List<String> lines;
        try {
            lines = Files.readAllLines(options);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + options, e);
        }
        for (String line : lines) {
            String flag = line.strip();
            if (!flag.isEmpty() && !flag.startsWith("#")) {
                command.add(flag);
            }
        }
        return List.copyOf(command);
    }

    private static List<String> baseCommand() {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");
    }

    MeshProcess start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        process = builder.start();
        startedAt = System.nanoTime();
        readyAfter = null;
        log.info("started {} (pid {}), log {}", name, process.pid(), logFile);
        return this;
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** Records that the process is ready now (its start-up time is measured from its launch). */
    void markReady() {
        readyAfter = Duration.ofNanos(System.nanoTime() - startedAt);
    }

    /** From launch to ready, once it has reported ready. */
    public java.util.Optional<Duration> readyAfter() {
        return java.util.Optional.ofNullable(readyAfter);
    }

    public Path logFile() {
        return logFile;
    }

    /** Waits until {@code url} answers 200, failing early (with the log's tail) if the process dies. */
    void awaitHttp200(String url, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!alive()) {
                throw new IOException(name + " exited (" + process.exitValue() + ") while starting; log " + logFile + ":\n"
                        + tail(40));
            }
            if (status(url) == 200) {
                markReady();
                return;
            }
            pause(200);
        }
        throw new IOException(name + " not ready after " + timeout.toSeconds() + " s (" + url + "); log " + logFile + ":\n" + tail(40));
    }

    static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static String get(String url) throws IOException {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("GET " + url + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    String tail(int lines) {
        try {
            List<String> all = java.nio.file.Files.readAllLines(logFile);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, then SIGKILL after 10 s. */
    public void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                log.warn("{} did not stop within 10 s of SIGTERM; killing it", name);
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** SIGKILL: a crash, for restart scenarios. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis); // polling a process: the only way to wait for another process's port
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
