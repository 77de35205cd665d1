package io.ambit.xds.store;

import java.util.function.Consumer;

/**
 * What translation and serving see of the configuration, whichever backend holds it: the
 * current immutable snapshot, and a callback for each new one. Backends: {@link LocalConfigStore}
 * (YAML directory + REST API) and {@link KubernetesConfigStore} (informers).
 */
public interface ConfigStore {

    LocalConfigStore.Snapshot snapshot();

    void addListener(Consumer<LocalConfigStore.Snapshot> listener);
}
