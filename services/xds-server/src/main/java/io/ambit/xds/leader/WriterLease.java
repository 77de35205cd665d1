package io.ambit.xds.leader;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.ambit.xds.state.Generation;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.translate.MeshInputs;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer among the xds-server's replicas, as istiod elects its controllers: a Kubernetes Lease
 * ({@code coordination.k8s.io/v1}, fabric8's {@link LeaderElector}). Every replica translates and
 * serves xDS; only the holder of the lease runs the hooks that write to the API server (status
 * conditions, the waypoint controller), so two replicas never fight over the same objects. A replica
 * that gains the lease hands its hooks the latest generation at once (they reconcile from it); one
 * that loses it stops handing them anything and stands for election again. Closing releases the
 * lease, so a replica shutting down hands over without waiting for the lease to expire.
 */
public final class WriterLease implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WriterLease.class);

    private final KubernetesClient client;
    private final LeaderElectionProperties settings;
    private final String identity;
    private final List<XdsState.TranslationHook> hooks = new CopyOnWriteArrayList<>();
    private final ExecutorService elections;
    private volatile boolean leader;
    private volatile boolean closed;
    private Generation latest;
    private MeshInputs latestInputs;
    private CompletableFuture<?> election;

    /** @param identity this replica's name in the lease (its pod name) */
    public WriterLease(KubernetesClient client, LeaderElectionProperties settings, String identity) {
        this.client = client;
        this.settings = settings;
        this.identity = identity;
        this.elections = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "xds-writer-lease");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The hook, run only while this replica holds the lease. */
    public XdsState.TranslationHook gate(XdsState.TranslationHook hook) {
        hooks.add(hook);
        return (generation, inputs) -> deliver(hook, generation, inputs);
    }

    public WriterLease start() {
        stand();
        return this;
    }

    public boolean isLeader() {
        return leader;
    }

    public String identity() {
        return identity;
    }

    private synchronized void deliver(XdsState.TranslationHook hook, Generation generation, MeshInputs inputs) {
        if (latest == null || generation.number() >= latest.number()) {
            latest = generation;
            latestInputs = inputs;
        }
        if (leader) {
            hook.translated(generation, inputs);
        }
    }

    private synchronized void stand() {
        if (closed) {
            return;
        }
        LeaderElector elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName("ambit xds-server writers")
                .withLock(new LeaseLock(settings.namespace(), settings.leaseName(), identity))
                .withLeaseDuration(settings.leaseDuration())
                .withRenewDeadline(settings.renewDeadline())
                .withRetryPeriod(settings.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::startedLeading, this::stoppedLeading,
                        holder -> log.info("xds-server writer lease {}/{} held by {}", settings.namespace(), settings.leaseName(), holder)))
                .build()).build();
        election = elector.start();
        // Losing the lease ends the election: stand again, unless closing.
        election.whenComplete((ignored, error) -> {
            if (!closed) {
                elections.execute(this::stand);
            }
        });
    }

    private void startedLeading() {
        synchronized (this) {
            leader = true;
            log.info("{} holds the writer lease: writing status and waypoint objects", identity);
            if (latest != null) {
                hooks.forEach(hook -> hook.translated(latest, latestInputs));
            }
        }
    }

    private void stoppedLeading() {
        leader = false;
        log.info("{} no longer holds the writer lease: writes stop", identity);
    }

    @Override
    public void close() {
        CompletableFuture<?> running;
        synchronized (this) {
            closed = true;
            running = election;
        }
        if (running != null) {
            running.cancel(true); // releases the lease (releaseOnCancel)
        }
        leader = false;
        elections.shutdownNow();
    }
}
