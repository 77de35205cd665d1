package io.ambit.netns;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system commands this library and its topology kit need ({@code iptables}, {@code nft},
 * {@code ip}, {@code sysctl}). A process is spawned by the thread that calls {@link ProcessBuilder#start}
 * (posix_spawn clones that thread), and a clone takes the network namespace of the thread that
 * made it, not of the process's main thread. So a command started inside
 * {@link NetNamespace#run} runs in the pod's namespace, with no {@code nsenter} or
 * {@code ip netns exec} needed; a root test checks this.
 */
public final class Commands {

    private static final long TIMEOUT_SECONDS = 30;
    private static final List<Path> SYSTEM_DIRS = List.of(
            Path.of("/usr/sbin"), Path.of("/sbin"), Path.of("/usr/bin"), Path.of("/bin"));

    private Commands() {
    }

    /** Output of one finished command. */
    public record Result(int exitStatus, String stdout, String stderr) {
        public boolean ok() {
            return exitStatus == 0;
        }
    }

    /** Runs {@code argv} (feeding {@code stdin} if not null); a non-zero exit is a {@link CommandException}. */
    public static String run(List<String> argv, String stdin) throws CommandException {
        Result result = attempt(argv, stdin);
        if (!result.ok()) {
            throw new CommandException(argv, result.exitStatus(), result.stderr());
        }
        return result.stdout();
    }

    /** Runs {@code argv} and returns whatever happened; for checks where non-zero means "no". */
    public static Result attempt(List<String> argv, String stdin) throws CommandException {
        Process process;
        try {
            process = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new CommandException(argv, e.getMessage(), e);
        }
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()),
                Thread::startVirtualThread);
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the command exited without reading its input; its exit status says why
        }
        String stdout = drain(process.getInputStream());
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new CommandException(argv, "no exit within " + TIMEOUT_SECONDS + " s", null);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandException(argv, "interrupted", e);
        }
        return new Result(process.exitValue(), stdout, stderr.join());
    }

    private static String drain(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * An executable by name, from {@code PATH} and then the sbin directories that a non-login
     * root shell (or a JVM started by Maven) may not have on its path.
     */
    static Optional<Path> find(String name) {
        List<Path> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        dirs.addAll(SYSTEM_DIRS);
        return dirs.stream().map(dir -> dir.resolve(name)).filter(Files::isExecutable).findFirst();
    }
}
