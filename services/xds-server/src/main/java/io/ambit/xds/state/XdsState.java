package io.ambit.xds.state;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.ambit.xds.store.ConfigStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xds.store.ResourceKey;
import io.ambit.xds.translate.MeshInputs;
import io.ambit.xdsclient.XdsTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The translated resources the server serves, one immutable {@link Generation} at a time. A store
 * change does not translate at once: the first change opens a debounce window and everything that
 * arrives within it is translated together, once (0 means translate as soon as the translation
 * thread is free, which still merges changes that arrive while it is busy). Listeners (the ADS
 * connections) are told the names that changed per type, so a pod change costs one workload on the
 * wire, not the world.
 */
public final class XdsState implements AutoCloseable {

    public static final String ADDRESS_TYPE = XdsTypes.ADDRESS;
    public static final String AUTHORIZATION_TYPE = XdsTypes.AUTHORIZATION;
    /** ztunnel's types (delta ADS only); the Envoy types are {@link EnvoyResources#TYPES}. */
    public static final Set<String> TYPES = Set.of(ADDRESS_TYPE, AUTHORIZATION_TYPE);

    /** Told, on the translation thread, each generation that changed something and the names per type. */
    @FunctionalInterface
    public interface Listener {
        void changed(Generation generation, Map<String, Set<String>> changedNames);
    }

    /**
     * Told, on the translation thread, every translation and the inputs it read, also one that
     * changed no resource: findings and waypoint addresses may still have changed (status writers).
     */
    @FunctionalInterface
    public interface TranslationHook {
        void translated(Generation generation, MeshInputs inputs);
    }

    private static final Logger log = LoggerFactory.getLogger(XdsState.class);

    private final Duration debounce;
    private final ScheduledExecutorService translator;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicReference<Generation> current = new AtomicReference<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final List<TranslationHook> hooks = new CopyOnWriteArrayList<>();
    private final MeterRegistry meters;
    private final PushMetrics pushMetrics;
    /** When the current debounce window opened: convergence is measured from the first change in it. */
    private volatile long windowOpenedNanos;
    /** Keys changed since the current generation, and the newest snapshot heard of; guarded by itself. */
    private final Set<ResourceKey> pending = new HashSet<>();
    private LocalConfigStore.Snapshot latestReceived;
    private boolean unknownChanges;

    public XdsState(ConfigStore store, String trustDomain, Duration debounce) {
        this(store, trustDomain, debounce, new SimpleMeterRegistry());
    }

    /**
     * @param meters where {@code pilot_proxy_convergence_time} (first store change in a window until
     *               every connected client's push is handed to the transport, as istiod measures it),
     *               {@code pilot_push_triggers}, {@code pilot_total_xds_internal_errors} and
     *               {@code ambit_xds_translation_seconds} (tag {@code mode}: incremental or full) go
     */
    public XdsState(ConfigStore store, String trustDomain, Duration debounce, MeterRegistry meters) {
        this(store, trustDomain, io.ambit.service.MeshProperties.DEFAULT_CLUSTER_ID, debounce, meters);
    }

    /** @param clusterId the cluster's id ({@code ambit.mesh.cluster-id}): workload uids, {@code cluster_id}, the nodes' {@code CLUSTER_ID} check */
    public XdsState(ConfigStore store, String trustDomain, String clusterId, Duration debounce, MeterRegistry meters) {
        this.meters = meters;
        this.pushMetrics = new PushMetrics(meters);
        this.debounce = debounce;
        this.translator = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "xds-translate");
            thread.setDaemon(true);
            return thread;
        });
        // Listen first, then read: a change in between is heard (translating a pod twice is harmless).
        store.addListener(this::onStoreChange);
        LocalConfigStore.Snapshot snapshot = store.snapshot();
        current.set(Generation.translate(1, snapshot, trustDomain, clusterId));
        current.get().findings().forEach(f -> log.warn("translation: {}", f));
        synchronized (pending) {
            if (latestReceived != null) {
                schedule(); // a change arrived while the first generation was being translated
            }
        }
    }

    public Generation current() {
        return current.get();
    }

    public Map<String, XdsResource> addresses() {
        return current().of(ADDRESS_TYPE);
    }

    public Map<String, XdsResource> authorizations() {
        return current().of(AUTHORIZATION_TYPE);
    }

    public Duration debounce() {
        return debounce;
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Adds a hook and tells it the current generation, on the translation thread like every later one. */
    public void addTranslationHook(TranslationHook hook) {
        hooks.add(hook);
        try {
            translator.execute(() -> {
                Generation latest = current.get();
                call(hook, latest, latest.inputs());
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed meanwhile: nothing more to tell
        }
    }

    private static void call(TranslationHook hook, Generation generation, MeshInputs inputs) {
        try {
            hook.translated(generation, inputs);
        } catch (RuntimeException e) {
            // A hook's failure (status writing, say) must not stop serving.
            log.error("translation hook {} failed on generation {}", hook, generation.number(), e);
        }
    }

    /** Remembers what changed (the snapshot's own change set, in store order) and opens a debounce window. */
    private void onStoreChange(LocalConfigStore.Snapshot snapshot) {
        synchronized (pending) {
            latestReceived = snapshot;
            if (snapshot.changed() == null) {
                unknownChanges = true;
            } else {
                pending.addAll(snapshot.changed());
            }
        }
        schedule();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true) && !translator.isShutdown()) {
            windowOpenedNanos = System.nanoTime();
            try {
                translator.schedule(this::retranslate, debounce.toNanos(), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // closed meanwhile: the store must not fail because a consumer went away
            }
        }
    }

    private void retranslate() {
        // Cleared before taking the changes: a change from now on opens a new window.
        scheduled.set(false);
        if (current.get() == null) {
            return; // the constructor has not finished the first generation; it schedules again
        }
        try {
            LocalConfigStore.Snapshot snapshot;
            Set<ResourceKey> changedKeys;
            synchronized (pending) {
                snapshot = latestReceived;
                changedKeys = unknownChanges ? null : Set.copyOf(pending);
                pending.clear();
                unknownChanges = false;
            }
            Generation previous = current.get();
            if (snapshot == null || snapshot.version() <= previous.storeVersion()) {
                return;
            }
            long windowOpened = windowOpenedNanos;
            long translationStart = System.nanoTime();
            Generation next = previous.next(previous.number() + 1, snapshot, changedKeys);
            Timer.builder("ambit_xds_translation_seconds").description("time to translate one store generation")
                    .tag("mode", next.incremental() ? "incremental" : "full")
                    .publishPercentileHistogram().register(meters)
                    .record(System.nanoTime() - translationStart, TimeUnit.NANOSECONDS);
            logNewFindings(previous, next);
            Map<String, Set<String>> changed = new LinkedHashMap<>(next.incremental()
                    ? changedWorkloads(previous, next, Generation.podWorkloads(next.clusterId(), changedKeys))
                    : changedResources(previous, next));
            changed.putAll(EnvoyResources.changedNames(previous.envoy(), next.envoy()));
            boolean findingsChanged = !previous.findings().equals(next.findings());
            if (changed.isEmpty()) {
                Generation same = previous.at(snapshot, next.findings(), next.envoy());
                current.set(same);
                if (findingsChanged || !next.incremental()) {
                    hooks.forEach(hook -> call(hook, same, same.inputs()));
                }
                return;
            }
            current.set(next);
            for (Listener listener : listeners) {
                listener.changed(next, changed);
            }
            pushMetrics.pushed(changedKeys, System.nanoTime() - windowOpened);
            if (findingsChanged || !next.incremental()) {
                hooks.forEach(hook -> call(hook, next, next.inputs()));
            }
        } catch (RuntimeException e) {
            // Translation skips bad objects itself; reaching here is a bug. Keep serving the last generation.
            log.error("translation failed; still serving generation {}", current.get().number(), e);
            pushMetrics.internalError();
        }
    }

    private static Map<String, Set<String>> changedResources(Generation previous, Generation next) {
        Map<String, Set<String>> changed = new LinkedHashMap<>();
        for (String type : TYPES) {
            ResourceDiff diff = ResourceDiff.between(previous.of(type), next.of(type));
            if (!diff.isEmpty()) {
                Set<String> names = new HashSet<>(diff.removed());
                diff.changed().forEach(resource -> names.add(resource.name()));
                changed.put(type, names);
            }
        }
        return changed;
    }

    /** Only the named workloads can differ after a pod-only change: compare just those. */
    private static Map<String, Set<String>> changedWorkloads(Generation previous, Generation next, Set<String> candidates) {
        Set<String> names = new HashSet<>();
        for (String name : candidates) {
            XdsResource before = previous.of(ADDRESS_TYPE).get(name);
            XdsResource after = next.of(ADDRESS_TYPE).get(name);
            if (before == null ? after != null : after == null || !before.version().equals(after.version())) {
                names.add(name);
            }
        }
        return names.isEmpty() ? Map.of() : Map.of(ADDRESS_TYPE, names);
    }

    /** Each finding once, when it first appears: the owner of the object should hear of it, not be flooded. */
    private static void logNewFindings(Generation previous, Generation next) {
        Set<io.ambit.xds.translate.Finding> known = new HashSet<>(previous.findings());
        next.findings().stream().filter(f -> !known.contains(f)).forEach(f -> log.warn("translation: {}", f));
    }

    @Override
    public void close() {
        translator.shutdownNow();
    }
}
