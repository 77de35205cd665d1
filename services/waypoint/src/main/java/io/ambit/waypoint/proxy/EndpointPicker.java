package io.ambit.waypoint.proxy;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.ambit.waypoint.config.ClusterEndpoints;

/** Round robin over a cluster's endpoints (the translator's lb_policy), one counter per cluster. */
public final class EndpointPicker {

    private final ConcurrentHashMap<String, AtomicInteger> next = new ConcurrentHashMap<>();

    /** @param avoid the endpoint of the previous attempt: a retry goes elsewhere when it can (Envoy's previous_hosts) */
    public InetSocketAddress pick(ClusterEndpoints cluster, InetSocketAddress avoid) {
        List<InetSocketAddress> endpoints = cluster.endpoints();
        AtomicInteger counter = next.computeIfAbsent(cluster.name(), k -> new AtomicInteger());
        InetSocketAddress chosen = endpoints.get(Math.floorMod(counter.getAndIncrement(), endpoints.size()));
        if (chosen.equals(avoid) && endpoints.size() > 1) {
            chosen = endpoints.get(Math.floorMod(counter.getAndIncrement(), endpoints.size()));
        }
        return chosen;
    }
}
