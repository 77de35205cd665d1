package io.ambit.waypoint.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.ambit.proto.workload.Address;
import io.ambit.proto.workload.Workload;

/**
 * The mesh's workloads by address, from the same {@code istio.workload.Address} resources ztunnel
 * gets: how the waypoint knows who a peer is (its workload, namespace, canonical service and
 * revision, cluster) for Istio's metric labels, as Istio's waypoint learns peer metadata through
 * workload discovery. Immutable; the store swaps a new one in on every update.
 */
public record PeerIndex(Map<InetAddress, Peer> byAddress) {

    public static final PeerIndex EMPTY = new PeerIndex(Map.of());

    /** What Istio's standard labels say about one workload. */
    public record Peer(String workload, String namespace, String principal, String canonicalService, String canonicalRevision,
                       String cluster) {
    }

    public PeerIndex {
        byAddress = Map.copyOf(byAddress);
    }

    public Optional<Peer> peer(InetAddress address) {
        return address == null ? Optional.empty() : Optional.ofNullable(byAddress.get(address));
    }

    /** Every workload of {@code addresses} (resources by name) by each of its IPs; services are skipped. */
    static PeerIndex of(Iterable<Address> addresses) {
        Map<InetAddress, Peer> out = new HashMap<>();
        for (Address a : addresses) {
            if (!a.hasWorkload()) {
                continue;
            }
            Workload w = a.getWorkload();
            // as istio/proxy's workload discovery reads a Workload: elided trust domain, namespace and
            // account are cluster.local, default and default; app and version are the canonical ones
            String account = w.getServiceAccount().isEmpty() ? "default" : w.getServiceAccount();
            String domain = w.getTrustDomain().isEmpty() ? "cluster.local" : w.getTrustDomain();
            String namespace = w.getNamespace().isEmpty() ? "default" : w.getNamespace();
            String principal;
            try {
                principal = new io.ambit.identity.WorkloadIdentity(domain, namespace, account).spiffeId().toString();
            } catch (RuntimeException e) {
                principal = "unknown"; // a namespace or account that makes no SPIFFE id
            }
            Peer peer = new Peer(orUnknown(w.getWorkloadName()), namespace,
                    principal,
                    orUnknown(w.getCanonicalName()), orUnknown(w.getCanonicalRevision()), orUnknown(w.getClusterId()));
            for (var ip : w.getAddressesList()) {
                try {
                    out.put(InetAddress.getByAddress(ip.toByteArray()), peer);
                } catch (UnknownHostException e) {
                    // not 4 or 16 bytes: ztunnel's parser refuses such a workload too; it labels nothing
                }
            }
        }
        return new PeerIndex(out);
    }

    private static String orUnknown(String v) {
        return v == null || v.isEmpty() ? "unknown" : v;
    }
}
