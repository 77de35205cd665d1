package io.ambit.ztunnel.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file is loaded at start (a refusal stops start-up) and reloaded when it changes. */
class LocalConfigWatcherTest {

    static final Duration POLL = Duration.ofMillis(20);

    @TempDir
    Path dir;

    final StateStore store = new StateStore();
    final List<LocalConfigException> refusals = new CopyOnWriteArrayList<>();
    final List<StateSnapshot> loads = new CopyOnWriteArrayList<>();
    final AtomicInteger missing = new AtomicInteger();
    final LocalConfigWatcher.Listener listener = new LocalConfigWatcher.Listener() {
        @Override
        public void loaded(StateSnapshot snapshot) {
            loads.add(snapshot);
        }

        @Override
        public void refused(LocalConfigException error) {
            refusals.add(error);
        }

        @Override
        public void missing() {
            missing.incrementAndGet();
        }
    };

    @Test
    void anEditIsLoadedAndABadEditKeepsTheLastGoodState() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, workloads("a"), 1);
        try (LocalConfigWatcher watcher = LocalConfigWatcher.start(new LocalConfigLoader(file, store), POLL, listener)) {
            assertThat(uids()).containsExactly("a");

            write(file, workloads("a", "b"), 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> uids().equals(List.of("a", "b")));
            assertThat(loads).isNotEmpty();

            StateSnapshot good = store.snapshot();
            write(file, "workloads:\n- {uid: c, addresses: [\"not-an-ip\"]}\n", 3);
            await().atMost(Duration.ofSeconds(10)).until(() -> !refusals.isEmpty());
            assertThat(refusals.getFirst()).hasMessageContaining("workloads[0] (line 2)");
            assertThat(store.snapshot()).isSameAs(good);

            write(file, workloads("b"), 4); // a removed
            await().atMost(Duration.ofSeconds(10)).until(() -> uids().equals(List.of("b")));
        }
    }

    @Test
    void aFileReplacedByRenameIsReloaded() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, workloads("a"), 1);
        try (LocalConfigWatcher watcher = LocalConfigWatcher.start(new LocalConfigLoader(file, store), POLL, listener)) {
            write(file, workloads("z"), 1); // same time, same size: only the file's identity differs

            await().atMost(Duration.ofSeconds(10)).until(() -> uids().equals(List.of("z")));
        }
    }

    @Test
    void aDeletedFileKeepsTheStateAndItsReturnIsLoaded() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, workloads("a"), 1);
        try (LocalConfigWatcher watcher = LocalConfigWatcher.start(new LocalConfigLoader(file, store), POLL, listener)) {
            StateSnapshot loaded = store.snapshot();
            Files.delete(file);
            await().atMost(Duration.ofSeconds(10)).until(() -> missing.get() > 0);
            assertThat(store.snapshot()).isSameAs(loaded);

            write(file, workloads("a", "b"), 5);
            await().atMost(Duration.ofSeconds(10)).until(() -> uids().equals(List.of("a", "b")));
        }
    }

    @Test
    void aRefusedFirstLoadIsAStartUpFailure() throws Exception {
        Path file = dir.resolve("config.yaml");
        write(file, "workloads:\n- {uid: a, unknownField: 1}\n", 1);

        assertThatThrownBy(() -> LocalConfigWatcher.start(new LocalConfigLoader(file, store), POLL, listener))
                .isInstanceOf(LocalConfigException.class)
                .hasMessageContaining("workloads[0] (line 2)").hasMessageContaining("unknownField");
        assertThat(store.snapshot().generation()).isZero();
    }

    private List<String> uids() {
        return store.snapshot().workloads().stream().map(Workload::uid).toList();
    }

    private static String workloads(String... uids) {
        StringBuilder yaml = new StringBuilder("workloads:\n");
        for (int i = 0; i < uids.length; i++) {
            yaml.append("- {uid: ").append(uids[i]).append(", addresses: [\"10.0.0.").append(i + 1).append("\"]}\n");
        }
        return yaml.toString();
    }

    /**
     * Replaces the file whole, as a ConfigMap update does (a poll never sees it half-written), with
     * an explicit modification time (two writes within one clock tick would otherwise look alike).
     */
    private static void write(Path file, String yaml, int second) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), "next", ".yaml");
        Files.writeString(temp, yaml);
        Files.setLastModifiedTime(temp, FileTime.from(Instant.parse("2025-01-01T00:00:00Z").plusSeconds(second)));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
