package io.ambit.xds.ads;

import com.google.common.net.InetAddresses;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.ambit.identity.InvalidSpiffeIdException;
import io.ambit.identity.WorkloadIdentity;
import io.ambit.xds.state.EnvoyResources;
import io.grpc.Status;

/**
 * Who a client of the Envoy types is and which resources it may see, from its node id (Istio's
 * {@code <type>~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>}, {@code model.ParseServiceNodeWithMetadata})
 * and the SPIFFE identity of its client certificate. As istiod checks a connection's identity, the
 * certificate's namespace must be the node's, and the node's {@code SERVICE_ACCOUNT} metadata, when
 * given, its service account. Then:
 * <ul>
 * <li>{@code waypoint}: the waypoint Gateway named like the certificate's service account in its
 *     namespace (Istio's waypoint deployment runs as a service account named after the Gateway), and
 *     only that waypoint's resources. A certificate whose account names no waypoint sees nothing.</li>
 * <li>{@code sidecar} (Istio's node type for proxyless gRPC): {@link EnvoyResources#PROXYLESS}.</li>
 * <li>{@code router} and {@code ztunnel}: refused; they are served nothing of Envoy's here.</li>
 * </ul>
 *
 * @param scope the scope of {@link io.ambit.xds.state.Generation#of(String, String)}
 */
record EnvoyClient(String scope, String nodeType, WorkloadIdentity identity) {

    static final int MAX_NODE_ID_LENGTH = 1024;

    /** Resolves the scope, or fails with the status the stream is closed with (nothing is served then). */
    static EnvoyClient resolve(String nodeId, Struct metadata, String peer) throws StatusException {
        if (nodeId.isEmpty()) {
            throw invalid("Envoy resource types need a node id <type>~<ip>~<pod>.<namespace>~<namespace>.svc.<domain> in the first request");
        }
        if (nodeId.length() > MAX_NODE_ID_LENGTH) {
            throw invalid("node id longer than " + MAX_NODE_ID_LENGTH + " characters");
        }
        String[] parts = nodeId.split("~", -1);
        if (parts.length != 4) {
            throw invalid("node id " + quote(nodeId) + " does not have 4 parts <type>~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>");
        }
        String type = parts[0];
        if (!type.equals("waypoint") && !type.equals("sidecar") && !type.equals("router") && !type.equals("ztunnel")) {
            throw invalid("node id " + quote(nodeId) + " has an unknown node type " + quote(type) + " (sidecar, router, waypoint, ztunnel)");
        }
        if (!InetAddresses.isInetAddress(parts[1])) {
            throw invalid("node id " + quote(nodeId) + " has no IP address in its second part");
        }
        int dot = parts[3].indexOf('.');
        String namespace = dot <= 0 ? "" : parts[3].substring(0, dot);
        if (namespace.isEmpty() || !parts[3].startsWith(namespace + ".svc.")) {
            throw invalid("node id " + quote(nodeId) + " has no <namespace>.svc.<domain> in its fourth part");
        }
        if (!parts[2].endsWith("." + namespace) || parts[2].length() == namespace.length() + 1) {
            throw invalid("node id " + quote(nodeId) + " has no <pod>." + namespace + " in its third part");
        }
        if (type.equals("router") || type.equals("ztunnel")) {
            throw new StatusException(Status.PERMISSION_DENIED.withDescription(
                    "node type " + type + " is not served Envoy resources by this server (waypoint and proxyless gRPC clients are)"));
        }
        WorkloadIdentity identity;
        try {
            identity = WorkloadIdentity.parse(peer);
        } catch (InvalidSpiffeIdException e) {
            throw new StatusException(Status.PERMISSION_DENIED.withDescription("client certificate " + peer + ": " + e.getMessage()));
        }
        if (!identity.namespace().equals(namespace)) {
            throw new StatusException(Status.PERMISSION_DENIED.withDescription(
                    "identity " + peer + " may not act for node " + quote(nodeId) + " of namespace " + namespace));
        }
        Value account = metadata.getFieldsMap().get("SERVICE_ACCOUNT");
        if (account != null && !account.getStringValue().equals(identity.serviceAccount())) {
            throw new StatusException(Status.PERMISSION_DENIED.withDescription(
                    "identity " + peer + " does not match the node's SERVICE_ACCOUNT " + quote(account.getStringValue())));
        }
        String scope = type.equals("waypoint") ? identity.namespace() + "/" + identity.serviceAccount() : EnvoyResources.PROXYLESS;
        return new EnvoyClient(scope, type, identity);
    }

    private static StatusException invalid(String message) {
        return new StatusException(Status.INVALID_ARGUMENT.withDescription(message));
    }

    /** Quoted and cut short: a hostile node id must not flood the log or the status message. */
    static String quote(String value) {
        String shown = value.length() > 120 ? value.substring(0, 120) + "…" : value;
        return '"' + shown.replaceAll("\\p{Cntrl}", "?") + '"';
    }

    /** A refusal carrying the status to close the stream with. */
    static final class StatusException extends Exception {
        final transient Status status;

        StatusException(Status status) {
            super(status.getDescription(), null, false, false);
            this.status = status;
        }
    }
}
