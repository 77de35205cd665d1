package io.ambit.xds.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the store when a YAML file in the directory is added, changed or removed. Polls file
 * stamps rather than using a WatchService: it behaves the same on every file system (bind mounts,
 * ConfigMap volumes' symlink swaps) and a listing per interval costs nothing. A reload that is
 * refused is logged with every problem and the store keeps serving its previous contents.
 */
public final class DirectoryWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DirectoryWatcher.class);

    private final LocalConfigStore store;
    private final Path directory;
    private Map<Path, FileTime> stamps;
    private ScheduledExecutorService timer;

    public DirectoryWatcher(LocalConfigStore store, Path directory) {
        this.store = store;
        this.directory = directory;
        this.stamps = stamps();
    }

    public DirectoryWatcher start(long intervalMillis) {
        timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "config-dir-watch");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::check, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Reloads if anything changed since the last look; returns whether it tried. */
    public synchronized boolean check() {
        Map<Path, FileTime> now = stamps();
        if (now.equals(stamps)) {
            return false;
        }
        stamps = now;
        try {
            var snapshot = store.loadDirectory(directory);
            log.info("local config reloaded from {}: {} objects (version {})", directory, snapshot.objects().size(), snapshot.version());
        } catch (ConfigException e) {
            log.warn("local config in {} refused, keeping the previous contents:\n{}", directory, e.getMessage());
        } catch (RuntimeException e) {
            log.warn("local config in {} could not be reloaded: {}", directory, e.toString());
        }
        return true;
    }

    private Map<Path, FileTime> stamps() {
        Map<Path, FileTime> stamps = new HashMap<>();
        if (!Files.isDirectory(directory)) {
            return stamps;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).toList()) {
                stamps.put(file, Files.getLastModifiedTime(file));
            }
        } catch (IOException e) {
            log.warn("cannot list {}: {}", directory, e.getMessage());
        }
        return stamps;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
