package io.ambit.ztunnel.capture;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.netns.RedirectRules;
import io.ambit.ztunnel.proxy.ProxyContext;
import io.ambit.ztunnel.state.StateChange;
import io.ambit.ztunnel.state.StateListener;
import io.ambit.ztunnel.state.Workload;

/**
 * The node agent's capture loop: the pods to serve are the workloads in ztunnel's state on this
 * node whose tunnel protocol is HBONE. Each new one is attached ({@link PodAttacher}: in-pod
 * capture, or on the host through SOCKS5 where ztunnel cannot capture); one that left the node or
 * the mesh (label removed, {@code dataplane-mode=none}) is released and keeps running untouched; a
 * changed address or identity is a release and a new attach. A pod that cannot be attached yet
 * (its namespace may appear after the API object) is tried again, from {@code retry} doubling up
 * to 30 s. All work runs on one thread, in order: namespace switching and rule commands block, and
 * one pod's capture must never race its release.
 */
public final class CaptureManager implements StateListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CaptureManager.class);

    private final String node;
    private final ProxyContext context;
    private final PodAttacher attacher;
    private final Duration retry;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("ztunnel-capture").unstarted(r));
    /** By workload uid; touched only on the worker thread, copied for readers. */
    private final Map<String, Capture> captured = new LinkedHashMap<>();
    private volatile Map<String, CapturedPod> view = Map.of();
    private final Map<String, String> waiting = new HashMap<>();
    private ScheduledFuture<?> retryTask;
    private Duration retryDelay;
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private record Capture(Workload workload, PodAttacher.Attachment attachment) {
        CapturedPod pod() {
            return attachment.pod();
        }
    }

    public CaptureManager(String node, ProxyContext context, PodAttacher attacher, Duration retry) {
        this.node = node;
        this.context = context;
        this.attacher = attacher;
        this.retry = retry;
        this.retryDelay = retry;
    }

    /** In-pod capture (Istio's in-pod mode) with these redirect rules. */
    public static CaptureManager inPod(String node, ProxyContext context, RedirectRules rules, PodNamespaceFinder finder,
            Duration retry, Clock clock) {
        return new CaptureManager(node, context, new InPodAttacher(context, rules, finder, clock), retry);
    }

    /** Starts following the state (and captures what it already names). */
    public void start() {
        context.state().addListener(this);
        worker.execute(this::reconcile);
    }

    @Override
    public void onChange(StateChange change) {
        if (change.nodeChanged(node)) {
            worker.execute(() -> {
                retryDelay = retry;
                reconcile();
            });
        }
    }

    /** The pods captured now, by workload uid. */
    public Map<String, CapturedPod> captured() {
        return view;
    }

    /** Pods that should be captured but are not (yet), with why. */
    public synchronized Map<String, String> waiting() {
        return Map.copyOf(waiting);
    }

    private void reconcile() {
        Map<String, Workload> desired = new LinkedHashMap<>();
        for (Workload w : context.state().snapshot().hboneWorkloadsOnNode(node)) {
            if (!w.addresses().isEmpty()) {
                desired.put(w.uid(), w);
            }
        }
        for (String uid : List.copyOf(captured.keySet())) {
            Capture current = captured.get(uid);
            Workload wanted = desired.get(uid);
            // A changed address or identity is a different pod to serve: release, then capture again.
            if (wanted == null || !wanted.addresses().equals(current.workload().addresses())
                    || !wanted.identity().equals(current.workload().identity())) {
                release(captured.remove(uid), wanted == null ? "no longer an enrolled pod on " + node : "pod changed");
            }
        }
        Map<String, String> stillWaiting = new HashMap<>();
        desired.forEach((uid, workload) -> {
            if (!captured.containsKey(uid)) {
                capture(workload).ifPresent(why -> stillWaiting.put(uid, why));
            }
        });
        synchronized (this) {
            waiting.clear();
            waiting.putAll(stillWaiting);
        }
        publish();
        scheduleRetry(!stillWaiting.isEmpty());
    }

    /** Captures one pod; returns why not, if it could not. */
    private Optional<String> capture(Workload workload) {
        try {
            PodAttacher.Attachment attachment = attacher.attach(workload);
            captured.put(workload.uid(), new Capture(workload, attachment));
            log.info("captured pod {} ({}) in {} with {}", workload.uid(), workload.addresses().getFirst().getHostAddress(),
                    attachment.pod().namespace(), attachment.pod().rules());
            return Optional.empty();
        } catch (PodAttacher.NotYet e) {
            log.debug("pod {} ({}) not captured: {}", workload.uid(), workload.name(), e.getMessage());
            return Optional.of(e.getMessage());
        }
    }

    private void release(Capture capture, String why) {
        capture.attachment().release();
        log.info("released pod {} ({})", capture.workload().uid(), why);
    }

    private void publish() {
        Map<String, CapturedPod> pods = new LinkedHashMap<>();
        captured.forEach((uid, capture) -> pods.put(uid, capture.pod()));
        view = Map.copyOf(pods);
    }

    /**
     * While pods wait for their namespace, looks again after {@code retry}, doubling up to 30 s
     * (a namespace search may scan every process); a state change looks at once and starts over.
     */
    private void scheduleRetry(boolean needed) {
        if (retryTask != null) {
            retryTask.cancel(false);
            retryTask = null;
        }
        if (!needed) {
            retryDelay = retry;
            return;
        }
        Duration delay = retryDelay;
        retryDelay = retryDelay.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retryDelay.multipliedBy(2);
        retryTask = worker.schedule(this::reconcile, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops serving at ztunnel shutdown: listeners close, but the redirect rules stay, as in Istio.
     * A pod's traffic then fails (nothing listens) rather than leaving the pod in plain text, until
     * the next ztunnel opens its listeners again ({@code SO_REUSEPORT} lets it even before this one
     * is gone); installing is idempotent, so it simply finds the rules in place.
     */
    @Override
    public void close() {
        context.state().removeListener(this);
        try {
            worker.submit(() -> {
                // Every pod drains at once: each waits up to the drain deadline for its connections.
                try (var drains = Executors.newVirtualThreadPerTaskExecutor()) {
                    captured.values().forEach(c -> drains.submit(c.attachment()::stop));
                }
                captured.clear();
                publish();
            }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("releasing pods at shutdown failed: {}", e.toString());
        }
        worker.shutdownNow();
    }
}
