package io.ambit.authz;

import java.util.Optional;

/**
 * The parts of a peer's SPIFFE ID that policy compares. Istio's form is
 * {@code spiffe://<td>/ns/<ns>/sa/<sa>}; an ID in another form still matches principals (compared as a
 * string) but has no namespace and no service account, so it matches no {@code namespaces} or
 * {@code service_accounts} entry (and every {@code not_} one).
 *
 * @param principal  the ID without {@code spiffe://} ({@code td/ns/x/sa/y}); empty when there is no
 *                   identity or the ID lacks the scheme (ztunnel then matches no principal)
 * @param namespace  {@code ""} when unknown
 */
public record PeerIdentity(Optional<String> principal, String namespace, Optional<String> serviceAccount) {

    private static final String SCHEME = "spiffe://";
    public static final PeerIdentity NONE = new PeerIdentity(Optional.empty(), "", Optional.empty());

    public static PeerIdentity of(Optional<String> spiffeId) {
        if (spiffeId.isEmpty()) {
            return NONE;
        }
        String id = spiffeId.get();
        if (!id.startsWith(SCHEME)) {
            return NONE;
        }
        String principal = id.substring(SCHEME.length());
        String[] parts = principal.split("/", -1);
        if (parts.length == 5 && !parts[0].isEmpty() && parts[1].equals("ns") && !parts[2].isEmpty()
                && parts[3].equals("sa") && !parts[4].isEmpty()) {
            return new PeerIdentity(Optional.of(principal), parts[2], Optional.of(parts[4]));
        }
        return new PeerIdentity(Optional.of(principal), "", Optional.empty());
    }
}
