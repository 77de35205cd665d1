package io.ambit.xds.store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes backend: informers on Namespaces, Pods and Services keep a snapshot of the same
 * shape as the local store's, rebuilt from the informers' caches after every event, so
 * translation cannot tell the two apart. {@link #start()} returns once every informer has
 * listed, so the first snapshot is complete (readiness waits on it). The Istio CRDs and
 * EndpointSlices join as the translation for them lands.
 */
public final class KubernetesConfigStore implements ConfigStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KubernetesConfigStore.class);
    static final String SOURCE = "kubernetes";

    private final KubernetesClient client;
    private final List<SharedIndexInformer<? extends HasMetadata>> informers = new ArrayList<>();
    private final AtomicReference<LocalConfigStore.Snapshot> current =
            new AtomicReference<>(new LocalConfigStore.Snapshot(0, Map.of()));
    private final List<Consumer<LocalConfigStore.Snapshot>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean synced;

    public KubernetesConfigStore(KubernetesClient client) {
        this.client = client;
    }

    public KubernetesConfigStore start() {
        ResourceEventHandler<HasMetadata> onChange = new ResourceEventHandler<>() {
            @Override
            public void onAdd(HasMetadata object) {
                rebuild();
            }

            @Override
            public void onUpdate(HasMetadata before, HasMetadata after) {
                rebuild();
            }

            @Override
            public void onDelete(HasMetadata object, boolean unknownFinalState) {
                rebuild();
            }
        };
        informers.add(client.namespaces().inform(handler(onChange)));
        informers.add(client.pods().inAnyNamespace().inform(handler(onChange)));
        informers.add(client.services().inAnyNamespace().inform(handler(onChange)));
        synced = true;
        rebuild();
        log.info("Kubernetes store synced: {} objects", current.get().objects().size());
        return this;
    }

    @SuppressWarnings("unchecked")
    private static <T extends HasMetadata> ResourceEventHandler<T> handler(ResourceEventHandler<HasMetadata> handler) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) handler;
    }

    /** Rebuilds the whole snapshot from the caches: simple, consistent, and cheap next to translation. */
    private synchronized void rebuild() {
        if (!synced) {
            return; // events during the initial lists: start() builds once they are all in
        }
        Map<ResourceKey, KubeYamlParser.Parsed> objects = new LinkedHashMap<>();
        for (SharedIndexInformer<? extends HasMetadata> informer : informers) {
            for (HasMetadata object : informer.getStore().list()) {
                ResourceKey key = key(object);
                objects.put(key, new KubeYamlParser.Parsed(key, object, SOURCE, 0));
            }
        }
        LocalConfigStore.Snapshot previous = current.get();
        LocalConfigStore.Snapshot next = new LocalConfigStore.Snapshot(previous.version() + 1, objects);
        current.set(next);
        listeners.forEach(listener -> listener.accept(next));
    }

    private static ResourceKey key(HasMetadata object) {
        String kind = switch (object) {
            case Namespace n -> "Namespace";
            case Pod p -> "Pod";
            case Service s -> "Service";
            default -> object.getKind();
        };
        String namespace = object instanceof Namespace ? "" : object.getMetadata().getNamespace();
        return new ResourceKey(kind, namespace, object.getMetadata().getName());
    }

    public boolean synced() {
        return synced;
    }

    @Override
    public LocalConfigStore.Snapshot snapshot() {
        return current.get();
    }

    @Override
    public void addListener(Consumer<LocalConfigStore.Snapshot> listener) {
        listeners.add(listener);
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}
