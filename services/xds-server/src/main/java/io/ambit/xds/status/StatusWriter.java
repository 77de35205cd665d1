package io.ambit.xds.status;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import io.ambit.xds.state.Generation;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.store.KubernetesConfigStore;
import io.ambit.xds.store.ResourceKey;
import io.ambit.xds.translate.MeshInputs;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode: writes {@link ObjectStatuses} to the status subresource (PUT, with the
 * object's resourceVersion) of the Istio and
 * Gateway API objects (waypoint Gateways, AuthorizationPolicies, PeerAuthentications,
 * ServiceEntries, WorkloadEntries) after each translation. Core kinds (Pods, Services,
 * Namespaces) are not written: their findings are logged and shown by translation only.
 *
 * <p>An object is patched only when the conditions this control plane owns on it (and a
 * waypoint's addresses) differ both from what the object carries and from what was last written
 * to it. So an unchanged translation writes nothing, and the update event a write causes comes
 * back as a translation that finds the status already in place: no write loop. Conditions of
 * other types are kept; a condition's {@code lastTransitionTime} stays while its status stays.
 *
 * <p>Writes run on their own thread, the latest translation replacing one not yet written, so a
 * slow API server never holds up serving. A failed write is logged and tried again on the next
 * translation.
 */
public final class StatusWriter implements XdsState.TranslationHook, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);

    /** What was written to one object: its owned conditions (without times) and addresses. */
    private record Written(Set<Condition> conditions, List<ObjectStatus.Address> addresses, Set<ObjectStatus.Parent> parents) {
    }

    private record Work(Generation generation, MeshInputs inputs) {
    }

    private final KubernetesClient client;
    private final ExecutorService executor;
    private final AtomicReference<Work> pending = new AtomicReference<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Map<ResourceKey, Written> lastWritten = new HashMap<>();
    private final AtomicLong writes = new AtomicLong();
    private volatile long writtenStoreVersion = -1;

    public StatusWriter(KubernetesClient client) {
        this.client = client;
        this.executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "xds-status");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void translated(Generation generation, MeshInputs inputs) {
        pending.set(new Work(generation, inputs));
        if (scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException closing) {
                // closed: nothing more to write
            }
        }
    }

    /** Status writes made so far (metrics and tests). */
    public long writes() {
        return writes.get();
    }

    /** The store version of the last translation whose status has been written (or found in place). */
    public long writtenStoreVersion() {
        return writtenStoreVersion;
    }

    private void drain() {
        scheduled.set(false); // cleared first: a translation from now on schedules another pass
        Work work = pending.getAndSet(null);
        if (work == null) {
            return;
        }
        try {
            write(work.generation(), work.inputs());
        } catch (RuntimeException e) {
            log.error("writing status for generation {} failed; trying again on the next", work.generation().number(), e);
        }
        writtenStoreVersion = work.generation().storeVersion();
    }

    private void write(Generation generation, MeshInputs inputs) {
        Map<ResourceKey, ObjectStatus> desired = ObjectStatuses.compute(generation, inputs);
        Set<ResourceKey> present = new HashSet<>();
        List<GenericKubernetesResource> waypointGateways = inputs.gateways().stream().filter(inputs.waypointClasses()::isWaypoint).toList();
        Stream.of(waypointGateways, inputs.authorizationPolicies(), inputs.peerAuthentications(),
                inputs.serviceEntries(), inputs.workloadEntries(), inputs.httpRoutes(), inputs.grpcRoutes())
                .flatMap(List::stream).forEach(object -> {
            ResourceKey key = new ResourceKey(object.getKind(), Objects.toString(object.getMetadata().getNamespace(), ""),
                    object.getMetadata().getName());
            present.add(key);
            writeOne(key, object, desired.get(key));
        });
        lastWritten.keySet().retainAll(present);
    }

    private void writeOne(ResourceKey key, GenericKubernetesResource object, ObjectStatus want) {
        List<String> owned = ObjectStatuses.ownedTypes(key.kind());
        List<Map<String, Object>> liveConditions = listOfMaps(status(object).get("conditions"));
        Written live = new Written(
                liveConditions.stream().filter(c -> owned.contains(c.get("type"))).map(StatusWriter::condition)
                        .collect(java.util.stream.Collectors.toSet()),
                listOfMaps(status(object).get("addresses")).stream()
                        .map(a -> new ObjectStatus.Address(Objects.toString(a.get("type"), "IPAddress"), Objects.toString(a.get("value"), "")))
                        .toList(),
                livePathParents(object).stream().filter(StatusWriter::ours).map(StatusWriter::parent)
                        .collect(java.util.stream.Collectors.toSet()));
        List<ObjectStatus.Address> wantAddresses = want == null || want.addresses().isEmpty() ? live.addresses() : want.addresses();
        Written wanted = new Written(want == null ? Set.of() : Set.copyOf(want.conditions()), wantAddresses,
                want == null ? Set.of() : Set.copyOf(want.parents()));
        if (wanted.equals(live) || wanted.equals(lastWritten.get(key))) {
            return;
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status(object).forEach((k, v) -> status.put(String.valueOf(k), v));
        status.put("conditions", conditions(liveConditions, owned, want));
        if (want != null && !want.addresses().isEmpty()) {
            status.put("addresses", want.addresses().stream().map(ObjectStatus.Address::toMap).toList());
        }
        if (key.kind().equals("HTTPRoute") || key.kind().equals("GRPCRoute")) {
            status.remove("conditions"); // routes have conditions per parent only
            status.put("parents", parents(livePathParents(object), want));
        }
        // The whole object as the informer saw it, resourceVersion included: the API server refuses the
        // write (409) if it changed meanwhile, and that change brings the next translation to retry.
        Map<String, Object> properties = new LinkedHashMap<>(object.getAdditionalProperties());
        properties.put("status", status);
        GenericKubernetesResource update = new GenericKubernetesResourceBuilder()
                .withApiVersion(object.getApiVersion()).withKind(object.getKind())
                .withMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(object.getMetadata()).build())
                .withAdditionalProperties(properties).build();
        try {
            client.genericKubernetesResources(KubernetesConfigStore.definition(key.kind()).orElseThrow())
                    .inNamespace(key.namespace()).resource(update).updateStatus();
            writes.incrementAndGet();
            lastWritten.put(key, wanted);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404 || e.getCode() == 409) {
                log.debug("{} is gone or changed meanwhile; its status is written on the next translation", key);
            } else {
                log.warn("cannot write the status of {} ({}): {}; trying again on the next translation", key, e.getCode(), e.getMessage());
            }
        }
    }

    /** Others' conditions as they are, then ours, each keeping its transition time while its status stays. */
    private static List<Map<String, Object>> conditions(List<Map<String, Object>> live, List<String> owned, ObjectStatus want) {
        List<Map<String, Object>> conditions = new ArrayList<>();
        live.stream().filter(c -> !owned.contains(c.get("type"))).forEach(conditions::add);
        if (want == null) {
            return conditions;
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        for (Condition condition : want.conditions()) {
            Map<String, Object> map = condition.toMap();
            String transition = live.stream()
                    .filter(c -> condition.type().equals(c.get("type")) && map.get("status").equals(c.get("status")))
                    .map(c -> Objects.toString(c.get("lastTransitionTime"), null)).filter(Objects::nonNull).findFirst().orElse(now);
            map.put("lastTransitionTime", transition);
            conditions.add(map);
        }
        conditions.sort(Comparator.comparing(c -> Objects.toString(c.get("type"))));
        return conditions;
    }

    /** A route's parents written by others as they are, then ours, each condition keeping its transition time. */
    private static List<Map<String, Object>> parents(List<Map<String, Object>> live, ObjectStatus want) {
        List<Map<String, Object>> parents = new ArrayList<>();
        live.stream().filter(p -> !ours(p)).forEach(parents::add);
        if (want == null) {
            return parents;
        }
        for (ObjectStatus.Parent parent : want.parents()) {
            List<Map<String, Object>> liveConditions = live.stream().filter(StatusWriter::ours)
                    .filter(p -> parent(p).parentRef().equals(parent.parentRef()))
                    .flatMap(p -> listOfMaps(p.get("conditions")).stream()).toList();
            Map<String, Object> map = parent.toMap();
            map.put("conditions", conditions(liveConditions, List.of(ObjectStatuses.ACCEPTED, ObjectStatuses.RESOLVED_REFS),
                    new ObjectStatus(null, parent.conditions(), List.of(), List.of())));
            parents.add(map);
        }
        return parents;
    }

    private static List<Map<String, Object>> livePathParents(GenericKubernetesResource object) {
        return listOfMaps(status(object).get("parents"));
    }

    private static boolean ours(Map<String, Object> parent) {
        return io.ambit.xds.translate.WaypointL7Translator.MESH_CONTROLLER.equals(parent.get("controllerName"));
    }

    @SuppressWarnings("unchecked")
    private static ObjectStatus.Parent parent(Map<String, Object> map) {
        Map<String, Object> ref = map.get("parentRef") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Map<String, Object> normalized = new LinkedHashMap<>();
        ref.forEach((k, v) -> normalized.put(k, v instanceof Number n ? (Object) n.intValue() : v));
        return new ObjectStatus.Parent(normalized, Objects.toString(map.get("controllerName"), ""),
                listOfMaps(map.get("conditions")).stream().map(StatusWriter::condition).toList());
    }

    private static Condition condition(Map<String, Object> map) {
        Object generation = map.get("observedGeneration");
        long observed = generation instanceof Number n ? n.longValue()
                : generation instanceof String s && s.matches("\\d+") ? Long.parseLong(s) : 0;
        return new Condition(Objects.toString(map.get("type"), ""), "True".equals(map.get("status")),
                Objects.toString(map.get("reason"), ""), Objects.toString(map.get("message"), ""), observed);
    }

    private static Map<?, ?> status(GenericKubernetesResource object) {
        return object.getAdditionalProperties().get("status") instanceof Map<?, ?> m ? m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> listOfMaps(Object value) {
        if (!(value instanceof List<?> list)) {
            return List.of();
        }
        return list.stream().filter(Map.class::isInstance).map(m -> (Map<String, Object>) m).toList();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
