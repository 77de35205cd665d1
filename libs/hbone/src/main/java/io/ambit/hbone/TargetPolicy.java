package io.ambit.hbone;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * Which CONNECT targets this HBONE server serves. ztunnel serves only its local workloads' IPs
 * (anything else would make it an open proxy into the node's network); a waypoint serves the
 * service VIPs it fronts. A refused target is answered 400, as ztunnel does.
 */
@FunctionalInterface
public interface TargetPolicy {

    boolean accepts(InetSocketAddress target);

    /**
     * The same answer, possibly later: a server whose configuration is about to include the target
     * (a waypoint whose xDS update for a newly bound service trails the client's) may hold the
     * CONNECT for a bounded time rather than refuse it. The default answers at once with
     * {@link #accepts}. The returned stage must complete (true or false); the server keeps the stream
     * waiting, reading nothing from it, until it does.
     */
    default java.util.concurrent.CompletionStage<Boolean> acceptsSoon(InetSocketAddress target) {
        return java.util.concurrent.CompletableFuture.completedFuture(accepts(target));
    }

    /** Targets on one of the given IPs (e.g. the pods this ztunnel serves), any port. */
    static TargetPolicy addresses(Set<InetAddress> local) {
        Set<InetAddress> copy = Set.copyOf(local);
        return target -> copy.contains(target.getAddress());
    }
}
