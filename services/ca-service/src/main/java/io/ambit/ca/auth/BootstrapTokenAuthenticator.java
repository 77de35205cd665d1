package io.ambit.ca.auth;

import static io.ambit.ca.CaRequestException.unauthenticated;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;

import io.ambit.identity.WorkloadIdentity;

/**
 * Local mode: each node's ztunnel holds a bootstrap token from configuration. The token proves
 * "the node agent of node N", the same facts a pod-bound ztunnel token proves in Kubernetes.
 * Control-plane services (the xDS server) hold one too, which proves only their own identity in
 * the mesh namespace and no node, so it can never be used to impersonate a pod. Tokens are
 * compared in constant time.
 */
public final class BootstrapTokenAuthenticator implements TokenAuthenticator {

    private final Map<String, byte[]> tokensByNode;
    private final WorkloadIdentity nodeAgent;
    private final Map<WorkloadIdentity, byte[]> tokensByService = new java.util.HashMap<>();

    /**
     * @param nodeTokens node name to token
     * @param nodeAgent  the identity every node agent has (e.g. istio-system/ztunnel)
     */
    public BootstrapTokenAuthenticator(Map<String, String> nodeTokens, WorkloadIdentity nodeAgent) {
        this(nodeTokens, nodeAgent, Map.of());
    }

    /**
     * @param serviceTokens service account (in the node agent's namespace) of a control-plane
     *                      service to its token
     */
    public BootstrapTokenAuthenticator(Map<String, String> nodeTokens, WorkloadIdentity nodeAgent,
            Map<String, String> serviceTokens) {
        this.tokensByNode = new java.util.HashMap<>();
        nodeTokens.forEach((node, token) -> tokensByNode.put(node, checked("node " + node, token)));
        this.nodeAgent = nodeAgent;
        serviceTokens.forEach((account, token) -> {
            WorkloadIdentity service = new WorkloadIdentity(nodeAgent.trustDomain(), nodeAgent.namespace(), account);
            if (service.equals(nodeAgent)) {
                throw new IllegalArgumentException("service token for " + account + " would grant the node agent identity without a node");
            }
            tokensByService.put(service, checked("service " + account, token));
        });
    }

    private static byte[] checked(String owner, String token) {
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException("bootstrap token of " + owner + " must be at least 16 characters");
        }
        return token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Caller authenticate(String token) {
        byte[] presented = token.getBytes(StandardCharsets.UTF_8);
        String matched = null;
        for (var entry : tokensByNode.entrySet()) {
            // Check every entry so the time taken does not reveal which node's token was close.
            if (MessageDigest.isEqual(entry.getValue(), presented)) {
                matched = entry.getKey();
            }
        }
        WorkloadIdentity service = null;
        for (var entry : tokensByService.entrySet()) {
            if (MessageDigest.isEqual(entry.getValue(), presented)) {
                service = entry.getKey();
            }
        }
        if (service != null) {
            return new Caller(service, Optional.empty(), "bootstrap-token");
        }
        if (matched == null) {
            throw unauthenticated("token_invalid", "bearer token is not a known node bootstrap credential");
        }
        return new Caller(nodeAgent, Optional.of(matched), "bootstrap-token");
    }
}
