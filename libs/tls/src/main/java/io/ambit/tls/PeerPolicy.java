package io.ambit.tls;

import java.util.Set;

import io.ambit.identity.SpiffeId;

/**
 * Which SPIFFE IDs a TLS peer may present, checked during the handshake after the chain has been
 * validated against the trust bundle. A refused peer never completes the handshake.
 */
@FunctionalInterface
public interface PeerPolicy {

    boolean accepts(SpiffeId peer);

    /** Describes the policy in the error a refused peer causes. */
    default String describe() {
        return "a custom peer policy";
    }

    /** Any identity of the trust domain (authorization decides later, per connection). */
    static PeerPolicy anyInTrustDomain(String trustDomain) {
        return new PeerPolicy() {
            @Override
            public boolean accepts(SpiffeId peer) {
                return peer.isMemberOf(trustDomain);
            }

            @Override
            public String describe() {
                return "any identity in trust domain " + trustDomain;
            }
        };
    }

    /** Exactly one of the given identities (e.g. a destination workload, a service's SANs, a waypoint). */
    static PeerPolicy oneOf(Set<SpiffeId> expected) {
        Set<SpiffeId> copy = Set.copyOf(expected);
        return new PeerPolicy() {
            @Override
            public boolean accepts(SpiffeId peer) {
                return copy.contains(peer);
            }

            @Override
            public String describe() {
                return "one of " + copy;
            }
        };
    }

    static PeerPolicy exactly(SpiffeId expected) {
        return oneOf(Set.of(expected));
    }
}
