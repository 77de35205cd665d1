package io.ambit.waypoint.proxy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.ambit.waypoint.config.ClusterEndpoints;
import io.ambit.waypoint.config.ClusterPolicy;

/**
 * The waypoint's load balancer, with the state that outlives configuration snapshots (kept per
 * cluster name and endpoint): round robin counters, requests in flight per endpoint and per
 * cluster, and outlier detection.
 * <ul>
 * <li>ROUND_ROBIN; LEAST_REQUEST as Envoy with equal weights (two endpoints drawn at random, the
 *     one with fewer requests in flight wins); RANDOM.</li>
 * <li>Outlier detection (consecutive 5xx, consecutive gateway failures; a connect failure or
 *     reset counts as both, as Envoy counts locally originated errors when they are not split):
 *     an endpoint is ejected for base ejection time × times ejected (capped), while ejected
 *     endpoints stay within max ejection percent (at least one may always be ejected). An
 *     ejection ends when its time is over (Envoy checks at each {@code interval}; here it is
 *     checked when an endpoint is picked, so it returns no later than Envoy would).</li>
 * <li>Healthy panic: when the share of endpoints not ejected falls below the threshold, every
 *     endpoint is used (istiod sends 0 with outlier detection: never, so an all-ejected
 *     cluster has no healthy upstream).</li>
 * </ul>
 * Thread-safe: exchanges on every event loop share it.
 */
public final class EndpointPicker {

    private final ConcurrentHashMap<String, ClusterState> clusters = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    public EndpointPicker() {
        this(System::nanoTime);
    }

    EndpointPicker(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    private static final class EndpointState {
        final AtomicInteger active = new AtomicInteger();
        /** Consecutive 5xx / gateway failures; guarded by the cluster state's lock. */
        int consecutive5xx;
        int consecutiveGateway;
        int timesEjected;
        long ejectedUntil = Long.MIN_VALUE;
        boolean ejected;
    }

    private static final class ClusterState {
        final AtomicInteger next = new AtomicInteger();
        final AtomicLong inFlight = new AtomicLong();
        final Map<InetSocketAddress, EndpointState> endpoints = new ConcurrentHashMap<>();

        EndpointState of(InetSocketAddress endpoint) {
            return endpoints.computeIfAbsent(endpoint, e -> new EndpointState());
        }
    }

    private ClusterState state(ClusterEndpoints cluster) {
        return clusters.computeIfAbsent(cluster.name(), k -> new ClusterState());
    }

    /**
     * An endpoint for the next attempt, or null when every endpoint is ejected and panic mode is
     * off (Envoy's "no healthy upstream").
     *
     * @param avoid the endpoint of the previous attempt: a retry goes elsewhere when it can (Envoy's previous_hosts)
     */
    public InetSocketAddress pick(ClusterEndpoints cluster, InetSocketAddress avoid) {
        ClusterState state = state(cluster);
        List<InetSocketAddress> healthy = healthy(cluster, state);
        if (healthy.isEmpty()) {
            return null;
        }
        InetSocketAddress chosen = choose(cluster.policy().lb(), healthy, state);
        if (chosen.equals(avoid) && healthy.size() > 1) {
            chosen = choose(cluster.policy().lb(), healthy.stream().filter(e -> !e.equals(avoid)).toList(), state);
        }
        return chosen;
    }

    private List<InetSocketAddress> healthy(ClusterEndpoints cluster, ClusterState state) {
        List<InetSocketAddress> all = cluster.endpoints();
        if (cluster.policy().outlier() == null) {
            return all;
        }
        long now = nanoTime.getAsLong();
        List<InetSocketAddress> healthy = new ArrayList<>(all.size());
        synchronized (state) {
            for (InetSocketAddress e : all) {
                EndpointState s = state.of(e);
                if (s.ejected && now - s.ejectedUntil >= 0) {
                    s.ejected = false; // its ejection time is over
                }
                if (!s.ejected) {
                    healthy.add(e);
                }
            }
        }
        if (!all.isEmpty() && healthy.size() * 100.0 / all.size() < cluster.policy().panicThresholdPercent()) {
            return all; // panic: Envoy spreads over every endpoint rather than overload the few left
        }
        return healthy;
    }

    private static InetSocketAddress choose(ClusterPolicy.Lb lb, List<InetSocketAddress> endpoints, ClusterState state) {
        return switch (lb) {
            // ORIGINAL_DST: the exchange makes a one-endpoint cluster of the CONNECT's own target
            case ROUND_ROBIN, ORIGINAL_DST -> endpoints.get(Math.floorMod(state.next.getAndIncrement(), endpoints.size()));
            case RANDOM -> endpoints.get(ThreadLocalRandom.current().nextInt(endpoints.size()));
            case LEAST_REQUEST -> {
                if (endpoints.size() == 1) {
                    yield endpoints.getFirst();
                }
                ThreadLocalRandom random = ThreadLocalRandom.current();
                InetSocketAddress a = endpoints.get(random.nextInt(endpoints.size()));
                InetSocketAddress b = endpoints.get(random.nextInt(endpoints.size()));
                yield state.of(b).active.get() < state.of(a).active.get() ? b : a;
            }
        };
    }

    /** A request starts on the cluster: false when its circuit breaker's max_requests is reached (overflow). */
    public boolean admit(ClusterEndpoints cluster) {
        ClusterState state = state(cluster);
        if (state.inFlight.incrementAndGet() > cluster.policy().maxRequests()) {
            state.inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    /** The request admitted by {@link #admit} has ended. */
    public void release(ClusterEndpoints cluster) {
        state(cluster).inFlight.decrementAndGet();
    }

    /** An attempt starts on an endpoint (least request counts these). */
    public void attemptStarted(ClusterEndpoints cluster, InetSocketAddress endpoint) {
        state(cluster).of(endpoint).active.incrementAndGet();
    }

    /**
     * An attempt on an endpoint ended, with the upstream's status, or 0 when it failed locally
     * (connect failure, reset, timeout): outlier detection counts it.
     */
    public void attemptEnded(ClusterEndpoints cluster, InetSocketAddress endpoint, int status) {
        ClusterState state = state(cluster);
        EndpointState s = state.of(endpoint);
        s.active.decrementAndGet();
        ClusterPolicy.Outlier outlier = cluster.policy().outlier();
        if (outlier == null) {
            return;
        }
        boolean fiveXx = status == 0 || status >= 500;
        boolean gateway = status == 0 || status == 502 || status == 503 || status == 504;
        synchronized (state) {
            s.consecutive5xx = fiveXx ? s.consecutive5xx + 1 : 0;
            s.consecutiveGateway = gateway ? s.consecutiveGateway + 1 : 0;
            boolean by5xx = outlier.consecutive5xx() > 0 && s.consecutive5xx >= outlier.consecutive5xx() && enforced(outlier.enforcing5xx());
            boolean byGateway = outlier.consecutiveGatewayFailure() > 0 && s.consecutiveGateway >= outlier.consecutiveGatewayFailure()
                    && enforced(outlier.enforcingGatewayFailure());
            if ((by5xx || byGateway) && !s.ejected && mayEject(cluster, state, outlier)) {
                s.timesEjected++;
                Duration time = outlier.baseEjectionTime().multipliedBy(s.timesEjected);
                if (time.compareTo(outlier.maxEjectionTime()) > 0) {
                    time = outlier.maxEjectionTime();
                }
                s.ejected = true;
                s.ejectedUntil = nanoTime.getAsLong() + time.toNanos();
                s.consecutive5xx = 0;
                s.consecutiveGateway = 0;
            }
        }
    }

    private static boolean enforced(int percent) {
        return percent >= 100 || percent > 0 && ThreadLocalRandom.current().nextInt(100) < percent;
    }

    /** Within max ejection percent after this one, or none is ejected yet (Envoy always allows one). */
    private static boolean mayEject(ClusterEndpoints cluster, ClusterState state, ClusterPolicy.Outlier outlier) {
        long ejected = cluster.endpoints().stream().filter(e -> state.of(e).ejected).count();
        return ejected == 0 || (ejected + 1) * 100.0 / cluster.endpoints().size() <= outlier.maxEjectionPercent();
    }

    /** An attempt ended without an outcome to count (the client went away). */
    public void attemptAbandoned(ClusterEndpoints cluster, InetSocketAddress endpoint) {
        state(cluster).of(endpoint).active.decrementAndGet();
    }

    /** Whether an endpoint is ejected now (tests, debugging). */
    public boolean ejected(ClusterEndpoints cluster, InetSocketAddress endpoint) {
        ClusterState state = state(cluster);
        synchronized (state) {
            EndpointState s = state.of(endpoint);
            return s.ejected && nanoTime.getAsLong() - s.ejectedUntil < 0;
        }
    }
}
