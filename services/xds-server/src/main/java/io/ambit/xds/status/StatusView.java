package io.ambit.xds.status;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.ambit.xds.state.Generation;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.store.ResourceKey;
import io.ambit.xds.translate.MeshInputs;

/**
 * Local mode's status: computed after every translation and held for the REST API, since the
 * local store keeps objects exactly as they were applied and has nowhere to write it.
 */
public final class StatusView implements XdsState.TranslationHook {

    private final AtomicReference<Map<ResourceKey, ObjectStatus>> current = new AtomicReference<>(Map.of());

    @Override
    public void translated(Generation generation, MeshInputs inputs) {
        current.set(Map.copyOf(ObjectStatuses.compute(generation, inputs)));
    }

    /** Every status, or those of one kind (case-insensitive), ordered by kind, namespace and name. */
    public List<ObjectStatus> statuses(String kind) {
        return current.get().values().stream()
                .filter(s -> kind == null || s.key().kind().equalsIgnoreCase(kind))
                .sorted(java.util.Comparator.comparing((ObjectStatus s) -> s.key().kind())
                        .thenComparing(s -> s.key().namespace()).thenComparing(s -> s.key().name()))
                .toList();
    }
}
