package io.ambit.waypoint.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * CONNECTs held while the waypoint's configuration catches up with a new binding. Adding
 * {@code istio.io/use-waypoint} to a namespace (or Service) changes two proxies at once: ztunnel's
 * {@code Address} of the service gains the waypoint, and the waypoint gains the service's
 * Listener, RouteConfiguration, Cluster and ClusterLoadAssignment. The xDS server pushes both from
 * the same generation, but ztunnel applies one resource while the waypoint applies four, so
 * ztunnel's first tunnels for the service could reach the waypoint a few hundred milliseconds
 * before the service's chain exists there: they were refused (400) and the client reset (seen in
 * the lab, issue 14). Here such a CONNECT waits, up to {@link #DEFAULT_WAIT}, for a snapshot that
 * serves its target, and is refused as before only if none comes.
 *
 * <p>Istio has the same race and no remedy for it in the waypoint: its {@code main_internal}
 * listener (istio/istio {@code pilot/pkg/networking/core/listener_waypoint.go},
 * {@code buildWaypointInternal}) has no chain for an address it does not yet serve and no
 * {@code on_no_match}, so Envoy closes such a connection; istiod does not order the ztunnel and
 * waypoint pushes. Envoy's own answer to "configuration not there yet" is warming (a listener is
 * not served before its RDS has arrived), which {@link WaypointConfigStore} does for chains; this
 * class applies the same make-before-break to the first tunnels of a new binding.
 *
 * <p>Bounded: at most {@link #MAX_WAITING} CONNECTs wait at once (beyond that, or for a target
 * that never comes, the answer is the 400 of an unserved target), each for at most the wait.
 */
public final class ChainWaiters {

    /** Longer than the xDS debounce (100 ms) plus a loaded waypoint's apply time; short next to a client's connect timeout. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(3);
    public static final int MAX_WAITING = 1024;

    private record Waiter(InetSocketAddress target, CompletableFuture<Boolean> answer) {
    }

    private final Supplier<WaypointSnapshot> current;
    private final ScheduledExecutorService timer;
    private final Duration wait;
    private final List<Waiter> waiting = new ArrayList<>();

    /**
     * @param current the snapshot now; {@link #snapshotPublished} must be called with every new one
     * @param timer   where a waiter's deadline runs
     */
    public ChainWaiters(Supplier<WaypointSnapshot> current, ScheduledExecutorService timer, Duration wait) {
        if (wait.isNegative()) {
            throw new IllegalArgumentException("wait must not be negative: " + wait);
        }
        this.current = current;
        this.timer = timer;
        this.wait = wait;
    }

    /**
     * Whether {@code target} is served: at once when the current snapshot is ready for it, else once
     * one is, or when the wait ends: then whether a chain exists at all (as without waiting).
     */
    public CompletionStage<Boolean> served(InetSocketAddress target) {
        if (ready(current.get(), target)) {
            return CompletableFuture.completedFuture(true);
        }
        if (wait.isZero()) {
            return CompletableFuture.completedFuture(current.get().chain(target).isPresent());
        }
        Waiter waiter = new Waiter(target, new CompletableFuture<>());
        synchronized (waiting) {
            if (waiting.size() >= MAX_WAITING) {
                return CompletableFuture.completedFuture(current.get().chain(target).isPresent());
            }
            waiting.add(waiter);
        }
        // a snapshot published between the first look and the registration: look once more
        if (ready(current.get(), target)) {
            settle(waiter, true);
            return waiter.answer();
        }
        timer.schedule(() -> settle(waiter, current.get().chain(target).isPresent()), wait.toNanos(), TimeUnit.NANOSECONDS);
        return waiter.answer();
    }

    /**
     * The target's chain is there and can route: a TCP chain, or an HTTP chain whose
     * RouteConfiguration has arrived too (the waypoint applies each xDS type as it comes, so a new
     * Listener may precede its routes by one response; Envoy keeps such a listener warming).
     */
    static boolean ready(WaypointSnapshot snapshot, InetSocketAddress target) {
        return snapshot.chain(target).map(c -> c.tcp() || snapshot.routeTable(c.routeConfig()).isPresent()).orElse(false);
    }

    /** A new snapshot: every waiter whose target it serves is let through. */
    public void snapshotPublished(WaypointSnapshot snapshot) {
        List<Waiter> served = new ArrayList<>();
        synchronized (waiting) {
            if (waiting.isEmpty()) {
                return;
            }
            for (Waiter w : waiting) {
                if (ready(snapshot, w.target())) {
                    served.add(w);
                }
            }
        }
        served.forEach(w -> settle(w, true));
    }

    /** CONNECTs waiting now. */
    public int waiting() {
        synchronized (waiting) {
            return waiting.size();
        }
    }

    private void settle(Waiter waiter, boolean ok) {
        synchronized (waiting) {
            waiting.remove(waiter);
        }
        waiter.answer().complete(ok);
    }
}
