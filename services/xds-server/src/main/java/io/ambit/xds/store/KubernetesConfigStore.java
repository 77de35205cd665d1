package io.ambit.xds.store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes backend: informers on every kind the control plane reads (Namespaces, Pods,
 * Services, EndpointSlices, and generically the Istio and Gateway API CRDs) keep a snapshot of
 * the same shape as the local store's (built from the caches once, then one event at a time), so
 * translation cannot tell the two apart. {@link #start()} returns once every informer has
 * listed, so the first snapshot is complete (readiness waits on it).
 *
 * <p>A CRD kind whose list fails (the CRD is not installed: 404; or RBAC forbids it: 403) is
 * logged once and left out: fabric8 completes the informer's start future exceptionally and does
 * not retry, so the kind stays absent until the next restart. The core kinds are required.
 */
public final class KubernetesConfigStore implements ConfigStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KubernetesConfigStore.class);
    static final String SOURCE = "kubernetes";

    private final KubernetesClient client;
    private final List<SharedIndexInformer<? extends HasMetadata>> informers = new ArrayList<>();
    private final AtomicReference<LocalConfigStore.Snapshot> current =
            new AtomicReference<>(new LocalConfigStore.Snapshot(0, Map.of()));
    private final List<Consumer<LocalConfigStore.Snapshot>> listeners = new CopyOnWriteArrayList<>();
    private final InformerEventMetrics events;
    private volatile boolean synced;

    public KubernetesConfigStore(KubernetesClient client) {
        this(client, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /** @param meters where istiod's {@code pilot_k8s_reg_events} and {@code pilot_k8s_cfg_events} go */
    public KubernetesConfigStore(KubernetesClient client, io.micrometer.core.instrument.MeterRegistry meters) {
        this.client = client;
        this.events = new InformerEventMetrics(meters);
    }

    public KubernetesConfigStore start() {
        ResourceEventHandler<HasMetadata> onChange = new ResourceEventHandler<>() {
            @Override
            public void onAdd(HasMetadata object) {
                events.record(key(object).kind(), InformerEventMetrics.Event.ADD);
                apply(object, false);
            }

            @Override
            public void onUpdate(HasMetadata before, HasMetadata after) {
                events.record(key(after).kind(), InformerEventMetrics.Event.UPDATE);
                apply(after, false);
            }

            @Override
            public void onDelete(HasMetadata object, boolean unknownFinalState) {
                events.record(key(object).kind(), InformerEventMetrics.Event.DELETE);
                apply(object, true);
            }
        };
        informers.add(client.namespaces().inform(handler(onChange)));
        informers.add(client.pods().inAnyNamespace().inform(handler(onChange)));
        informers.add(client.services().inAnyNamespace().inform(handler(onChange)));
        informers.add(client.discovery().v1().endpointSlices().inAnyNamespace().inform(handler(onChange)));
        for (ResourceDefinitionContext crd : CRDS) {
            informOptional(crd, handler(onChange));
        }
        synced = true;
        rebuild();
        log.info("Kubernetes store synced: {} objects", current.get().objects().size());
        return this;
    }

    /**
     * The CRD kinds, with their plurals spelt out: {@code genericKubernetesResources(apiVersion,
     * kind)} would ask API discovery first, and fail outright when the CRD is missing.
     */
    public static final List<ResourceDefinitionContext> CRDS = List.of(
            crd("security.istio.io", "v1", "AuthorizationPolicy", "authorizationpolicies"),
            crd("security.istio.io", "v1", "PeerAuthentication", "peerauthentications"),
            crd("networking.istio.io", "v1", "WorkloadEntry", "workloadentries"),
            crd("networking.istio.io", "v1", "ServiceEntry", "serviceentries"),
            clusterScoped("gateway.networking.k8s.io", "v1", "GatewayClass", "gatewayclasses"),
            crd("networking.istio.io", "v1", "VirtualService", "virtualservices"),
            crd("networking.istio.io", "v1", "DestinationRule", "destinationrules"),
            crd("gateway.networking.k8s.io", "v1", "Gateway", "gateways"),
            crd("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"),
            crd("gateway.networking.k8s.io", "v1", "GRPCRoute", "grpcroutes"),
            // v1beta1: served by every Gateway API release that has ReferenceGrant (v1 only by recent ones)
            crd("gateway.networking.k8s.io", "v1beta1", "ReferenceGrant", "referencegrants"));

    private static final long CRD_LIST_TIMEOUT_SECONDS = 60;

    /** The watched CRD kind of that name ({@code Gateway}, {@code AuthorizationPolicy} …), for writing its status. */
    public static java.util.Optional<ResourceDefinitionContext> definition(String kind) {
        return CRDS.stream().filter(c -> c.getKind().equals(kind)).findFirst();
    }

    private static ResourceDefinitionContext crd(String group, String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    /** GatewayClass: which classes are waypoints (their controller) and their default {@code istio.io/waypoint-for}. */
    private static ResourceDefinitionContext clusterScoped(String group, String version, String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
                .withPlural(plural).withNamespaced(false).build();
    }

    private void informOptional(ResourceDefinitionContext crd, ResourceEventHandler<GenericKubernetesResource> handler) {
        SharedIndexInformer<GenericKubernetesResource> informer = crd.isNamespaceScoped()
                ? client.genericKubernetesResources(crd).inAnyNamespace().runnableInformer(0)
                : client.genericKubernetesResources(crd).runnableInformer(0);
        informer.addEventHandler(handler);
        String name = crd.getKind() + " (" + crd.getGroup() + "/" + crd.getVersion() + ")";
        try {
            informer.start().toCompletableFuture().get(CRD_LIST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            informers.add(informer);
        } catch (ExecutionException e) {
            informer.close();
            String reason = e.getCause() instanceof KubernetesClientException k && k.getCode() == 404
                    ? "its CRD is not installed"
                    : e.getCause() instanceof KubernetesClientException k && k.getCode() == 403
                            ? "listing it is forbidden (RBAC)"
                            : String.valueOf(e.getCause());
            log.warn("Not watching {}: {}; objects of that kind are ignored until the next restart", name, reason);
        } catch (TimeoutException e) {
            informer.close();
            log.warn("Not watching {}: no list within {} s; objects of that kind are ignored until the next restart",
                    name, CRD_LIST_TIMEOUT_SECONDS);
        } catch (InterruptedException e) {
            informer.close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing " + name, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends HasMetadata> ResourceEventHandler<T> handler(ResourceEventHandler<HasMetadata> handler) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) handler;
    }

    /**
     * The first, complete snapshot: every informer's cache, once they have all listed. Events that
     * arrived while they were listing are in the caches already.
     */
    private synchronized void rebuild() {
        Map<ResourceKey, KubeYamlParser.Parsed> objects = new LinkedHashMap<>();
        for (SharedIndexInformer<? extends HasMetadata> informer : informers) {
            for (HasMetadata object : informer.getStore().list()) {
                ResourceKey key = key(object);
                objects.put(key, new KubeYamlParser.Parsed(key, object, SOURCE, 0));
            }
        }
        publish(objects, null);
    }

    /**
     * One event applied to the previous snapshot: the object put (added, updated) or removed,
     * copying only its shard of the map, so an event costs the same in a 10,000-pod cluster as in
     * a small one. Each informer delivers its events in order, so the snapshot follows the API
     * server's order per kind.
     */
    private synchronized void apply(HasMetadata object, boolean deleted) {
        if (!synced) {
            return; // events during the initial lists: start() builds from the caches once they are all in
        }
        ResourceKey key = key(object);
        ShardedMap<ResourceKey, KubeYamlParser.Parsed> previous = ShardedMap.copyOf(current.get().objects());
        publish(deleted ? previous.with(Map.of(), Set.of(key))
                : previous.with(Map.of(key, new KubeYamlParser.Parsed(key, object, SOURCE, 0)), Set.of()), Set.of(key));
    }

    private void publish(Map<ResourceKey, KubeYamlParser.Parsed> objects, Set<ResourceKey> changed) {
        LocalConfigStore.Snapshot next = new LocalConfigStore.Snapshot(current.get().version() + 1, objects, changed);
        current.set(next);
        listeners.forEach(listener -> listener.accept(next));
    }

    private static ResourceKey key(HasMetadata object) {
        String kind = switch (object) {
            case Namespace n -> "Namespace";
            case Pod p -> "Pod";
            case Service s -> "Service";
            case EndpointSlice e -> "EndpointSlice";
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
