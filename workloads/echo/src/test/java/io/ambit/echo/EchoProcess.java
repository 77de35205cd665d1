package io.ambit.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The echo program as a separate process, as the lab runs it: its stdout lines are collected as
 * they come, {@link #stop()} sends SIGTERM.
 */
final class EchoProcess implements AutoCloseable {

    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final StringBuilder stderr = new StringBuilder();

    private EchoProcess(List<String> command) throws IOException {
        process = new ProcessBuilder(command).start();
        Thread.ofVirtual().start(() -> collect(new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), lines));
        Thread.ofVirtual().start(() -> {
            List<String> err = new ArrayList<>();
            collect(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), err);
            synchronized (stderr) {
                err.forEach(line -> stderr.append(line).append('\n'));
            }
        });
    }

    /** {@code java <jvmArgs…> <args…>}. */
    static EchoProcess start(List<String> jvmArgs, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(JAVA);
        command.addAll(jvmArgs);
        command.addAll(List.of(args));
        return new EchoProcess(command);
    }

    private static void collect(BufferedReader reader, List<String> into) {
        try (reader) {
            String line;
            while ((line = reader.readLine()) != null) {
                into.add(line);
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    /** Waits for the four {@code listening} lines and returns each protocol's {@code ip:port}. */
    Map<String, String> awaitListening() {
        await().atMost(Duration.ofSeconds(60))
                .failFast("the echo server exited: " + stderr, () -> !process.isAlive())
                .until(() -> listening().size() == 4);
        Map<String, String> byProtocol = new java.util.LinkedHashMap<>();
        for (String line : listening()) {
            String[] parts = line.split(" ");
            assertThat(parts).hasSize(3);
            byProtocol.put(parts[1], parts[2]);
        }
        return byProtocol;
    }

    private List<String> listening() {
        return lines.stream().filter(line -> line.startsWith("listening ")).toList();
    }

    List<String> stdout() {
        return List.copyOf(lines);
    }

    /** Sends SIGTERM and returns the exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the echo server did not exit within 60 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** Waits for a process that ends by itself and returns its exit code. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the echo process did not exit within 60 s");
        }
        return process.exitValue();
    }

    /** Waits until stdout has a line equal to {@code line} (the reader may lag behind the exit). */
    void awaitLine(String line) {
        await().atMost(Duration.ofSeconds(30)).until(() -> lines.contains(line));
    }

    String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
