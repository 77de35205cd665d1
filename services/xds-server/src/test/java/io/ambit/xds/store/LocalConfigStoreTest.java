package io.ambit.xds.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalConfigStoreTest {

    @TempDir
    Path dir;

    final LocalConfigStore store = new LocalConfigStore();

    @Test
    void loadsADirectoryAndNotifiesListeners() throws Exception {
        List<LocalConfigStore.Snapshot> seen = new ArrayList<>();
        store.addListener(seen::add);
        Files.writeString(dir.resolve("a.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n");
        Files.writeString(dir.resolve("b.yml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: demo}\nspec: {containers: []}\n");
        Files.writeString(dir.resolve("notes.txt"), "not config");

        LocalConfigStore.Snapshot snapshot = store.loadDirectory(dir);

        assertThat(snapshot.objects()).containsOnlyKeys(new ResourceKey("Namespace", "", "demo"), new ResourceKey("Pod", "demo", "p"));
        assertThat(snapshot.all(Pod.class)).hasSize(1);
        assertThat(seen).containsExactly(snapshot);
    }

    @Test
    void aBadFileChangesNothing() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n");
        LocalConfigStore.Snapshot good = store.loadDirectory(dir);
        Files.writeString(dir.resolve("b.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containerz: []}\n");
        Files.writeString(dir.resolve("a.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: renamed}\n");

        assertThatThrownBy(() -> store.loadDirectory(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("b.yaml:4: spec.containerz: unknown field");
        assertThat(store.snapshot()).isSameAs(good);
    }

    @Test
    void theSameObjectInTwoFilesIsRefused() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n");
        Files.writeString(dir.resolve("b.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n");
        assertThatThrownBy(() -> store.loadDirectory(dir)).hasMessageContaining("Namespace demo is already declared at");
        assertThat(store.snapshot().version()).isZero();
    }

    @Test
    void objectsAppliedThroughTheApiSurviveADirectoryReload() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n");
        store.loadDirectory(dir);
        store.apply("api", "apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n");
        Files.writeString(dir.resolve("a.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: renamed}\n");

        store.loadDirectory(dir);

        assertThat(store.snapshot().objects()).containsOnlyKeys(
                new ResourceKey("Namespace", "", "extra"), new ResourceKey("Namespace", "", "renamed"));
        store.delete("api", "apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n");
        assertThatThrownBy(() -> store.delete("api", "apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n"))
                .hasMessageContaining("Namespace extra not found");
        assertThat(store.snapshot().objects()).containsOnlyKeys(new ResourceKey("Namespace", "", "renamed"));
    }

    @Test
    void theRepositorysOwnLocalConfigLoads() {
        LocalConfigStore.Snapshot snapshot = store.loadDirectory(Path.of("../../config/local"));
        assertThat(snapshot.all(Pod.class)).extracting(p -> p.getMetadata().getName()).contains("sleep", "echo");
    }
}
