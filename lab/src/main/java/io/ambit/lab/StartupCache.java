package io.ambit.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JDK 25's ahead-of-time cache (JEP 483, made in one step by JEP 514) for each service jar: the
 * classes a service loads and links while it starts, parsed once and mapped at the next start. It
 * halves a Spring Boot service's start-up CPU here (ca-service: 6.8 s of CPU to 3.0 s), which is
 * what {@code ./mesh up} spends its time on, five JVMs on two cores.
 *
 * <p>The cache needs a plain class path (not Boot's nested jars), so the jar is first extracted
 * with Boot's own {@code -Djarmode=tools extract}; then one training run starts the service up to
 * the refresh of its context ({@code -Dspring.context.exit=onRefresh}: beans built, no port
 * bound) and writes the cache. Both are redone when the jar changes (a stamp records its size and
 * time, and the JDK's version). When a cache is missing, stale or fails to build, the service
 * simply starts from its jar: the cache is an optimisation, never a requirement.
 */
final class StartupCache {

    private static final Logger log = LoggerFactory.getLogger(StartupCache.class);
    private static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(3);

    private final Path dir;

    StartupCache(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** How to launch {@code jar}: from its cache when it is current, else from the jar itself. */
    List<String> launch(String name, Path jar) {
        return current(name, jar)
                ? List.of("-XX:AOTCache=" + cacheFile(name), "-jar", extractedJar(name, jar).toString())
                : List.of("-jar", jar.toString());
    }

    boolean current(String name, Path jar) {
        try {
            Path stamp = stampFile(name);
            return Files.isRegularFile(cacheFile(name)) && Files.isRegularFile(stamp)
                    && Files.readString(stamp).equals(stamp(jar));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Builds the cache of every jar that has none or a stale one, all at once (each training run is
     * mostly single-threaded). Returns what it could not build, with the reason; those services
     * will start from their jars.
     */
    Map<String, String> prepare(Map<String, Training> jobs) throws IOException {
        Files.createDirectories(dir);
        Map<String, Thread> running = new java.util.LinkedHashMap<>();
        Map<String, String> failed = new java.util.concurrent.ConcurrentHashMap<>();
        for (Map.Entry<String, Training> job : jobs.entrySet()) {
            if (current(job.getKey(), job.getValue().jar())) {
                continue;
            }
            running.put(job.getKey(), Thread.ofVirtual().start(() -> {
                try {
                    build(job.getKey(), job.getValue());
                } catch (IOException e) {
                    failed.put(job.getKey(), e.getMessage());
                }
            }));
        }
        for (Thread thread : running.values()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while building start-up caches", e);
            }
        }
        return Map.copyOf(failed);
    }

    /** A service jar and the arguments that let it reach its context refresh without any peer running. */
    record Training(Path jar, List<String> args) {
    }

    private void build(String name, Training training) throws IOException {
        long start = System.nanoTime();
        Path extracted = dir.resolve(name);
        deleteRecursively(extracted);
        Files.deleteIfExists(cacheFile(name));
        Files.deleteIfExists(stampFile(name));
        List<String> java = MeshProcess.javaCommand(training.jar());
        run(name + " extract", List.of(java.getFirst(), "-Djarmode=tools", "-jar", training.jar().toString(),
                "extract", "--destination", extracted.toString()));
        Path workDir = Files.createTempDirectory(dir, name + "-training-");
        Files.writeString(workDir.resolve("token"), "training"); // a bootstrap credential nobody accepts
        try {
            List<String> command = new ArrayList<>(java);
            command.addAll(List.of("-XX:AOTCacheOutput=" + cacheFile(name), "-Dspring.context.exit=onRefresh",
                    "-jar", extractedJar(name, training.jar()).toString()));
            command.addAll(training.args().stream().map(a -> a.replace("{work}", workDir.toString())).toList());
            run(name + " training", command, workDir);
        } finally {
            deleteRecursively(workDir);
        }
        if (!Files.isRegularFile(cacheFile(name))) {
            throw new IOException("the training run of " + name + " wrote no cache");
        }
        Files.writeString(stampFile(name), stamp(training.jar()));
        log.info("start-up cache for {} ready in {} ms", name, Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    private void run(String what, List<String> command) throws IOException {
        run(what, command, dir);
    }

    private void run(String what, List<String> command, Path workDir) throws IOException {
        Path output = dir.resolve(what.replace(' ', '-') + ".log");
        Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        try {
            if (!process.waitFor(TRAINING_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(what + " took longer than " + TRAINING_TIMEOUT.toMinutes() + " min; see " + output);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(what + " interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(what + " failed (exit " + process.exitValue() + "); see " + output);
        }
    }

    private Path cacheFile(String name) {
        return dir.resolve(name + ".aot");
    }

    private Path stampFile(String name) {
        return dir.resolve(name + ".stamp");
    }

    private Path extractedJar(String name, Path jar) {
        return dir.resolve(name).resolve(jar.getFileName());
    }

    /** The jar as built, and the JDK: a cache is only valid for the exact classes and JVM that made it. */
    private static String stamp(Path jar) throws IOException {
        return Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis() + " " + Runtime.version() + "\n";
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
