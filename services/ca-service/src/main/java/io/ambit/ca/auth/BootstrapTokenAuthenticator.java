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
 * Tokens are compared in constant time.
 */
public final class BootstrapTokenAuthenticator implements TokenAuthenticator {

    private final Map<String, byte[]> tokensByNode;
    private final WorkloadIdentity nodeAgent;

    /**
     * @param nodeTokens node name to token
     * @param nodeAgent  the identity every node agent has (e.g. istio-system/ztunnel)
     */
    public BootstrapTokenAuthenticator(Map<String, String> nodeTokens, WorkloadIdentity nodeAgent) {
        this.tokensByNode = new java.util.HashMap<>();
        nodeTokens.forEach((node, token) -> {
            if (token == null || token.length() < 16) {
                throw new IllegalArgumentException("bootstrap token of node " + node + " must be at least 16 characters");
            }
            tokensByNode.put(node, token.getBytes(StandardCharsets.UTF_8));
        });
        this.nodeAgent = nodeAgent;
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
        if (matched == null) {
            throw unauthenticated("token_invalid", "bearer token is not a known node bootstrap credential");
        }
        return new Caller(nodeAgent, Optional.of(matched), "bootstrap-token");
    }
}
