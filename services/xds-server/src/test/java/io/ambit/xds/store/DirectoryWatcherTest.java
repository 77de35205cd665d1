package io.ambit.xds.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryWatcherTest {

    @TempDir
    Path dir;

    @Test
    void reloadsOnChangeAndKeepsTheLastGoodContentsOnABadFile() throws Exception {
        Path file = dir.resolve("a.yaml");
        Files.writeString(file, "apiVersion: v1\nkind: Namespace\nmetadata: {name: one}\n");
        LocalConfigStore store = new LocalConfigStore();
        store.loadDirectory(dir);
        try (DirectoryWatcher watcher = new DirectoryWatcher(store, dir).start(20)) {
            write(file, "apiVersion: v1\nkind: Namespace\nmetadata: {name: two}\n", 1);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(store.snapshot().objects()).containsOnlyKeys(new ResourceKey("Namespace", "", "two")));

            long version = store.snapshot().version();
            write(file, "apiVersion: v1\nkind: Namespace\nmetadata: {name: three}\nspek: {}\n", 2);
            // the watcher sees the change, refuses it, and the store stays as it was
            await().atMost(Duration.ofSeconds(10)).until(() -> !watcher.check() && store.snapshot().version() == version);
            assertThat(store.snapshot().objects()).containsOnlyKeys(new ResourceKey("Namespace", "", "two"));

            Files.delete(file);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(store.snapshot().objects()).isEmpty());
        }
    }

    /** Writes and moves the stamp forward, so the change is seen even within one clock tick. */
    private static void write(Path file, String text, int seconds) throws Exception {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(seconds)));
    }
}
