package io.ambit.xds.waypoint;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.ambit.xds.state.Generation;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.translate.MeshInputs;
import io.ambit.xds.translate.WaypointClasses;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For each Gateway of a waypoint class ({@link WaypointClasses}: {@code istio-waypoint}, or any
 * class whose controller is {@code istio.io/mesh-controller}), keeps its ServiceAccount, Deployment and
 * Service ({@link WaypointResources}) in the cluster: creates what is missing, rewrites what no
 * longer matches the Gateway, deletes what belongs to a Gateway that is gone or no longer a
 * waypoint. The Service's cluster IP then becomes the waypoint's address in translation, and the
 * Gateway's {@code Programmed} status follows (written by the status writer).
 *
 * <p>Runs after each translation (latest wins, on its own thread, like the status writer) and
 * after any change to an object it manages (informers on the managed label), so a Deployment
 * deleted by hand comes back. An object of the same name without the managed label is someone
 * else's: it is left alone and logged, as istiod does. Writes compare {@link WaypointResources#HASH},
 * never the live object, so the API server's defaults cause no write loop.
 */
public final class WaypointController implements XdsState.TranslationHook, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WaypointController.class);

    private final KubernetesClient client;
    private final WaypointDeploymentProperties settings;
    private final String trustDomain;
    /** The cluster id translation used ({@code ambit.mesh.cluster-id}): each waypoint's {@code CLUSTER_ID}. */
    private volatile String clusterId = io.ambit.service.MeshProperties.DEFAULT_CLUSTER_ID;
    private final ExecutorService executor;
    private final AtomicReference<List<GenericKubernetesResource>> latest = new AtomicReference<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong writes = new AtomicLong();
    private final List<SharedIndexInformer<? extends HasMetadata>> informers = new ArrayList<>();
    /** Someone else's objects already reported (touched by the controller thread only). */
    private final java.util.Set<String> warnedUnmanaged = new java.util.HashSet<>();
    private volatile long pendingStoreVersion = -1;
    private volatile long reconciledStoreVersion = -1;

    public WaypointController(KubernetesClient client, WaypointDeploymentProperties settings, String trustDomain) {
        this.client = client;
        this.settings = settings;
        this.trustDomain = trustDomain;
        this.executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "xds-waypoint-controller");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Watches the objects it manages; returns once their caches are filled. */
    public WaypointController start() {
        ResourceEventHandler<HasMetadata> onChange = new ResourceEventHandler<>() {
            @Override
            public void onAdd(HasMetadata object) {
                schedule();
            }

            @Override
            public void onUpdate(HasMetadata before, HasMetadata after) {
                schedule();
            }

            @Override
            public void onDelete(HasMetadata object, boolean unknownFinalState) {
                schedule();
            }
        };
        informers.add(client.serviceAccounts().inAnyNamespace().withLabel(WaypointResources.MANAGED, WaypointResources.MESH_CONTROLLER)
                .inform(handler(onChange)));
        informers.add(client.apps().deployments().inAnyNamespace().withLabel(WaypointResources.MANAGED, WaypointResources.MESH_CONTROLLER)
                .inform(handler(onChange)));
        informers.add(client.services().inAnyNamespace().withLabel(WaypointResources.MANAGED, WaypointResources.MESH_CONTROLLER)
                .inform(handler(onChange)));
        return this;
    }

    @Override
    public void translated(Generation generation, MeshInputs inputs) {
        pendingStoreVersion = generation.storeVersion();
        clusterId = inputs.clusterId();
        WaypointClasses classes = inputs.waypointClasses();
        latest.set(inputs.gateways().stream().filter(classes::isWaypoint).toList());
        schedule();
    }

    /** Writes (creates, updates, deletes) made so far. */
    public long writes() {
        return writes.get();
    }

    /** The store version of the last translation whose waypoints have been reconciled. */
    public long reconciledStoreVersion() {
        return reconciledStoreVersion;
    }

    private void schedule() {
        if (latest.get() != null && scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException closing) {
                // closed: nothing more to do
            }
        }
    }

    private void drain() {
        scheduled.set(false); // first: a change from now on schedules another pass
        long version = pendingStoreVersion;
        try {
            reconcile(latest.get());
        } catch (RuntimeException e) {
            log.error("reconciling waypoint deployments failed; trying again on the next change", e);
        }
        reconciledStoreVersion = version;
    }

    private void reconcile(List<GenericKubernetesResource> gateways) {
        Map<String, WaypointResources.Rendered> desired = new HashMap<>();
        for (GenericKubernetesResource gateway : gateways) {
            WaypointResources.Rendered rendered = WaypointResources.render(gateway, settings, trustDomain, clusterId);
            desired.put(gateway.getMetadata().getNamespace() + "/" + gateway.getMetadata().getName(), rendered);
            for (HasMetadata object : rendered.all()) {
                apply(object);
            }
        }
        // Anything managed whose Gateway is gone or no longer a waypoint. (In a cluster the garbage
        // collector removes the first kind too, through the owner reference; this covers both.)
        for (SharedIndexInformer<? extends HasMetadata> informer : informers) {
            for (HasMetadata live : informer.getStore().list()) {
                String gateway = live.getMetadata().getNamespace() + "/"
                        + live.getMetadata().getLabels().getOrDefault(WaypointResources.GATEWAY_NAME, "");
                if (!desired.containsKey(gateway)) {
                    delete(live);
                }
            }
        }
    }

    private void apply(HasMetadata want) {
        HasMetadata live = cached(want);
        String name = want.getKind() + " " + want.getMetadata().getNamespace() + "/" + want.getMetadata().getName();
        try {
            if (live == null) {
                HasMetadata existing = client.resource(want).get();
                if (existing != null) {
                    if (!WaypointResources.MESH_CONTROLLER.equals(existing.getMetadata().getLabels() == null ? null
                            : existing.getMetadata().getLabels().get(WaypointResources.MANAGED))) {
                        if (warnedUnmanaged.add(name)) {
                            log.warn("{} exists and is not managed by the mesh controller (no {} label); left alone", name,
                                    WaypointResources.MANAGED);
                        }
                        return;
                    }
                    live = existing;
                } else {
                    client.resource(want).create();
                    writes.incrementAndGet();
                    log.info("created {}", name);
                    return;
                }
            }
            if (Objects.equals(hash(live), hash(want))) {
                return;
            }
            want.getMetadata().setResourceVersion(live.getMetadata().getResourceVersion());
            if (want instanceof Service service && live instanceof Service current) {
                // allocated by the API server and immutable: keep them
                service.getSpec().setClusterIP(current.getSpec().getClusterIP());
                service.getSpec().setClusterIPs(current.getSpec().getClusterIPs());
                service.getSpec().setIpFamilies(current.getSpec().getIpFamilies());
            }
            client.resource(want).update();
            writes.incrementAndGet();
            log.info("updated {}", name);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                log.debug("{} changed meanwhile; applied again on the next change", name);
            } else {
                log.warn("cannot apply {} ({}): {}; trying again on the next change", name, e.getCode(), e.getMessage());
            }
        }
    }

    private void delete(HasMetadata live) {
        try {
            client.resource(live).delete();
            writes.incrementAndGet();
            log.info("deleted {} {}/{}: its Gateway is gone or no longer a waypoint", live.getKind(),
                    live.getMetadata().getNamespace(), live.getMetadata().getName());
        } catch (KubernetesClientException e) {
            log.warn("cannot delete {} {}/{} ({}): {}", live.getKind(), live.getMetadata().getNamespace(),
                    live.getMetadata().getName(), e.getCode(), e.getMessage());
        }
    }

    private HasMetadata cached(HasMetadata want) {
        String key = want.getMetadata().getNamespace() + "/" + want.getMetadata().getName();
        int index = switch (want) {
            case ServiceAccount a -> 0;
            case Deployment d -> 1;
            case Service s -> 2;
            default -> throw new IllegalArgumentException("not a waypoint object: " + want.getKind());
        };
        return informers.isEmpty() ? null : informers.get(index).getStore().getByKey(key);
    }

    private static String hash(HasMetadata object) {
        Map<String, String> annotations = object.getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(WaypointResources.HASH);
    }

    @SuppressWarnings("unchecked")
    private static <T extends HasMetadata> ResourceEventHandler<T> handler(ResourceEventHandler<HasMetadata> handler) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) handler;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        informers.forEach(SharedIndexInformer::close);
    }
}
