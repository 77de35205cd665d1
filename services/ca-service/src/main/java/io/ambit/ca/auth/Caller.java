package io.ambit.ca.auth;

import java.util.Optional;

import io.ambit.identity.WorkloadIdentity;

/**
 * Who is calling, as proven by their credential.
 *
 * @param identity the caller's own workload identity
 * @param node     the node the caller runs on, when the credential proves it (a node bootstrap
 *                 credential, or a pod-bound ServiceAccount token); empty otherwise
 * @param method   how the caller proved it, for the audit log
 */
public record Caller(WorkloadIdentity identity, Optional<String> node, String method) {

    @Override
    public String toString() {
        return identity + node.map(n -> " on node " + n).orElse("") + " (" + method + ")";
    }
}
