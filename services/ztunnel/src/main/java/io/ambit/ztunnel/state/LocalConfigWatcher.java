package io.ambit.ztunnel.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads a local config file once (a refusal is the caller's start-up failure), then reloads it
 * whenever it changes. A refused edit is logged and the last good state keeps serving, as when an
 * xDS server sends a resource ztunnel NACKs; so does a file that disappears.
 *
 * <p>Polls the file's size, modification time and identity (the inode) rather than using a
 * {@code WatchService}: a Kubernetes ConfigMap is updated by swapping a symlink two levels up,
 * editors replace files by renaming over them, and the JDK's watcher on macOS polls anyway.
 */
public final class LocalConfigWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalConfigWatcher.class);

    /** Told of each reload's outcome, on the watcher's thread (metrics, tests). */
    public interface Listener {

        default void loaded(StateSnapshot snapshot) {
        }

        default void refused(LocalConfigException error) {
        }

        /** The file is gone; the state stays as it was. */
        default void missing() {
        }
    }

    private record Stamp(Object fileKey, FileTime modified, long size) {
    }

    private final LocalConfigLoader loader;
    private final Listener listener;
    private final ScheduledExecutorService poller;
    private Stamp last; // poller thread only, after start

    private LocalConfigWatcher(LocalConfigLoader loader, Listener listener) {
        this.loader = loader;
        this.listener = listener;
        this.poller = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("ztunnel-local-config").factory());
    }

    /**
     * Loads the file, then watches it.
     *
     * @param interval how often the file is looked at
     * @throws LocalConfigException when the first load is refused; nothing is left running
     */
    public static LocalConfigWatcher start(LocalConfigLoader loader, Duration interval, Listener listener) throws LocalConfigException {
        LocalConfigWatcher watcher = new LocalConfigWatcher(loader, listener);
        try {
            // Stamped before reading: an edit made while loading is seen by the first poll.
            watcher.last = watcher.stamp();
            loader.load();
        } catch (LocalConfigException | RuntimeException e) {
            watcher.close();
            throw e;
        }
        watcher.poller.scheduleWithFixedDelay(watcher::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return watcher;
    }

    public static LocalConfigWatcher start(LocalConfigLoader loader, Duration interval) throws LocalConfigException {
        return start(loader, interval, new Listener() { });
    }

    private void poll() {
        try {
            Stamp now = stamp();
            if (Objects.equals(now, last)) {
                return;
            }
            last = now;
            if (now == null) {
                log.warn("local config {} is gone; the last loaded state stays in force", loader.file());
                listener.missing();
                return;
            }
            try {
                StateSnapshot snapshot = loader.load();
                listener.loaded(snapshot);
            } catch (LocalConfigException e) {
                log.warn("{}; the last good state (generation {}) stays in force", e.getMessage(), loader.currentGeneration());
                listener.refused(e);
            }
        } catch (RuntimeException e) {
            // an exception would cancel the schedule: this poll is lost, the next one runs
            log.error("BUG: watching local config {} failed", loader.file(), e);
        }
    }

    private Stamp stamp() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(loader.file(), BasicFileAttributes.class);
            return new Stamp(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            log.warn("cannot look at local config {}: {}", loader.file(), e.toString());
            return last; // unknown is not a change
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
