package io.ambit.xds.state;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

import io.ambit.proto.workload.Address;
import io.ambit.xds.store.ConfigStore;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xds.translate.MeshInputs;
import io.ambit.xds.translate.ServiceTranslator;
import io.ambit.xds.translate.WorkloadTranslator;

/**
 * The translated resources of type {@code istio.workload.Address}, recomputed from each store
 * snapshot (workloads named by uid, services by {@code namespace/hostname}, as Istio names them),
 * and the difference each new generation makes, handed to listeners (the ADS pushers).
 */
public final class XdsState {

    public static final String ADDRESS_TYPE = "type.googleapis.com/istio.workload.Address";

    private final String trustDomain;
    private final AtomicReference<Map<String, XdsResource>> addresses = new AtomicReference<>(Map.of());
    private final List<BiConsumer<String, ResourceDiff>> listeners = new CopyOnWriteArrayList<>();

    public XdsState(ConfigStore store, String trustDomain) {
        this.trustDomain = trustDomain;
        store.addListener(this::update);
        update(store.snapshot());
    }

    public Map<String, XdsResource> addresses() {
        return addresses.get();
    }

    /** Called with (type URL, diff) for every generation that changes something. */
    public void addListener(BiConsumer<String, ResourceDiff> listener) {
        listeners.add(listener);
    }

    private synchronized void update(LocalConfigStore.Snapshot snapshot) {
        MeshInputs inputs = MeshInputs.from(snapshot, trustDomain);
        Map<String, XdsResource> next = new LinkedHashMap<>();
        for (var workload : WorkloadTranslator.translate(inputs)) {
            next.put(workload.getUid(), XdsResource.of(workload.getUid(), Address.newBuilder().setWorkload(workload).build()));
        }
        for (var service : ServiceTranslator.translate(inputs)) {
            String name = service.getNamespace() + "/" + service.getHostname();
            next.put(name, XdsResource.of(name, Address.newBuilder().setService(service).build()));
        }
        ResourceDiff diff = ResourceDiff.between(addresses.get(), next);
        addresses.set(Map.copyOf(next));
        if (!diff.isEmpty()) {
            listeners.forEach(listener -> listener.accept(ADDRESS_TYPE, diff));
        }
    }
}
