package io.ambit.xds.identity;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;

import io.ambit.identity.WorkloadIdentity;
import io.ambit.service.security.TokenFiles;
import io.ambit.xds.ads.BearerAuthenticator;

/**
 * Local mode's answer to Kubernetes' TokenReview on the ADS port: a node agent that presents no client
 * certificate (as Istio's ztunnel does) authenticates with its node's bootstrap token, the same
 * owner-only file the CA already accepts for that node ({@code ambit.ca.local.node-token-files.<node>};
 * here {@code ambit.xds.local.node-token-files.<node>}). A match acts as the node agent's identity
 * ({@code <mesh-namespace>/ztunnel}), the view a certificate of it gets: every node agent sees the same
 * workloads, so which node matched only goes into logs. Compared in constant time.
 */
public final class LocalNodeTokenAuthenticator implements BearerAuthenticator {

    private final Map<String, byte[]> tokensByNode = new LinkedHashMap<>();
    private final String nodeAgent;

    /**
     * @param tokenFiles node name to its bootstrap token file; every file is read now and must be owner-only
     * @throws IllegalStateException a file is open to others, empty, or two nodes share a token
     */
    public LocalNodeTokenAuthenticator(Map<String, Path> tokenFiles, String trustDomain, String meshNamespace) {
        tokenFiles.forEach((node, file) -> {
            byte[] token = TokenFiles.read("node " + node, file).getBytes(StandardCharsets.UTF_8);
            if (tokensByNode.values().stream().anyMatch(other -> MessageDigest.isEqual(other, token))) {
                throw new IllegalStateException("node " + node + "'s bootstrap token is another node's too; give each node its own");
            }
            tokensByNode.put(node, token);
        });
        this.nodeAgent = new WorkloadIdentity(trustDomain, meshNamespace, "ztunnel").spiffeId().toString();
    }

    @Override
    public String authenticate(String token) {
        byte[] presented = token.getBytes(StandardCharsets.UTF_8);
        boolean known = false;
        for (byte[] candidate : tokensByNode.values()) {
            known |= MessageDigest.isEqual(candidate, presented); // no early exit: every token is compared
        }
        if (!known) {
            throw new Rejected("not a known node bootstrap token");
        }
        return nodeAgent;
    }
}
