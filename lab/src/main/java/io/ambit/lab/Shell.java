package io.ambit.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the lab's commands ({@code ip}, {@code sysctl}, …) and fails with their output when they fail. */
final class Shell {

    private Shell() {
    }

    static String run(String... argv) throws IOException {
        return run(List.of(argv));
    }

    static String run(List<String> argv) throws IOException {
        return run(argv, false);
    }

    /** @param anyExit return the output whatever the exit status (a client whose failed requests are the point) */
    static String run(List<String> argv, boolean anyExit) throws IOException {
        return run(argv, anyExit, java.time.Duration.ofSeconds(30));
    }

    static String run(List<String> argv, boolean anyExit, java.time.Duration timeout) throws IOException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        // Drained while it runs: a command printing more than a pipe holds (64 KiB) would block on
        // its write and never exit if the output were read only afterwards.
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        Thread drain = Thread.ofVirtual().start(() -> {
            try (var in = process.getInputStream()) {
                in.transferTo(captured);
            } catch (IOException e) {
                // the process was killed: what arrived is kept
            }
        });
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", argv) + ": timed out after " + timeout.toSeconds() + " s");
            }
            drain.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", argv), e);
        }
        String output;
        synchronized (captured) {
            output = captured.toString(StandardCharsets.UTF_8);
        }
        if (process.exitValue() != 0 && !anyExit) {
            throw new IOException(String.join(" ", argv) + " failed (exit " + process.exitValue() + "): " + output.strip());
        }
        return output;
    }

    /** {@code ip netns exec <namespace> <command...>}. */
    static String inNamespace(String namespace, String... command) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        argv.addAll(List.of(command));
        return run(argv);
    }

    static boolean isRoot() {
        try {
            return "0".equals(run("id", "-u").strip());
        } catch (IOException e) {
            return false;
        }
    }
}
