package io.ambit.xdsclient;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node agent's lasting delta ADS session: connects over mutual TLS with the agent's own
 * certificate once it has one, checks the server's SPIFFE ID, and when the certificate is renewed
 * opens a new connection with it, resuming from the versions already applied (only the difference
 * is sent again). The handler's state survives every reconnect.
 */
public final class AdsSession implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdsSession.class);

    private final io.ambit.caclient.ControlPlaneTarget server;
    private final SpiffeId serverIdentity;
    private final Node node;
    private final List<String> types;
    private final DeltaAdsClient.Handler handler;
    private final Consumer<DeltaAdsClient.Builder> settings;
    private ManagedChannel channel;
    private DeltaAdsClient client;
    private boolean closed;

    /** @param settings further client settings (backoff, connection listener), applied to every connection */
    public AdsSession(InetSocketAddress server, SpiffeId serverIdentity, Node node, List<String> types,
            DeltaAdsClient.Handler handler, Consumer<DeltaAdsClient.Builder> settings) {
        this(io.ambit.caclient.ControlPlaneTarget.fixed(server.getHostString() + ":" + server.getPort()), serverIdentity, node,
                types, handler, settings);
    }

    /** @param server the xDS server as a fixed address or found by discovery (Kubernetes mode) */
    public AdsSession(io.ambit.caclient.ControlPlaneTarget server, SpiffeId serverIdentity, Node node, List<String> types,
            DeltaAdsClient.Handler handler, Consumer<DeltaAdsClient.Builder> settings) {
        this.server = server;
        this.serverIdentity = serverIdentity;
        this.node = node;
        this.types = List.copyOf(types);
        this.handler = handler;
        this.settings = settings;
    }

    /** Connects with this certificate, or reconnects with it if connected with an older one. */
    public synchronized void useCertificate(Svid svid, TrustBundle bundle) {
        if (closed) {
            return;
        }
        ManagedChannel next = server.channelBuilder()
                .sslContext(MeshTls.client(svid, bundle, PeerPolicy.exactly(serverIdentity)))
                .maxInboundMessageSize(XdsChannels.MAX_MESSAGE_BYTES)
                .build();
        DeltaAdsClient.Builder builder = DeltaAdsClient.builder(next, node, handler).types(types);
        settings.accept(builder);
        if (client != null) {
            builder.resume(client);
            client.close();
            channel.shutdown();
            log.info("xDS session moves to a new connection with the renewed certificate {}", svid);
        }
        client = builder.build().start();
        channel = next;
    }

    /**
     * Connects as Istio's ztunnel does ({@code src/tls/control.rs}, {@code src/identity/auth.rs}): TLS
     * with no client certificate (the server still checked against the bundle and its SPIFFE ID), and on
     * every call {@code authorization: Bearer <token>} and {@code clusterid: <cluster>}, the token read
     * afresh each time (the kubelet rotates a projected token in place). Once connected this way, later
     * calls do nothing: there is no certificate to renew.
     *
     * @param token reads the current token (Kubernetes: the projected {@code istio-ca} token file)
     */
    public synchronized void useBearerToken(TrustBundle bundle, java.util.function.Supplier<String> token, String clusterId) {
        if (closed || client != null) {
            return;
        }
        ManagedChannel next = server.channelBuilder()
                .sslContext(MeshTls.bootstrapClient(bundle, PeerPolicy.exactly(serverIdentity)))
                .intercept(new BearerHeaders(token, clusterId))
                .maxInboundMessageSize(XdsChannels.MAX_MESSAGE_BYTES)
                .build();
        DeltaAdsClient.Builder builder = DeltaAdsClient.builder(next, node, handler).types(types);
        settings.accept(builder);
        client = builder.build().start();
        channel = next;
        log.info("xDS session to {} authenticates with a bearer token, no client certificate", server);
    }

    /** Istio ztunnel's {@code AuthSource::Token} headers, added to every call. */
    private static final class BearerHeaders implements io.grpc.ClientInterceptor {
        static final io.grpc.Metadata.Key<String> AUTHORIZATION =
                io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
        static final io.grpc.Metadata.Key<String> CLUSTER_ID =
                io.grpc.Metadata.Key.of("clusterid", io.grpc.Metadata.ASCII_STRING_MARSHALLER);

        private final java.util.function.Supplier<String> token;
        private final String clusterId;

        BearerHeaders(java.util.function.Supplier<String> token, String clusterId) {
            this.token = token;
            this.clusterId = clusterId;
        }

        @Override
        public <Q, R> io.grpc.ClientCall<Q, R> interceptCall(io.grpc.MethodDescriptor<Q, R> method, io.grpc.CallOptions options,
                io.grpc.Channel next) {
            return new io.grpc.ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, io.grpc.Metadata headers) {
                    RuntimeException unreadable = null;
                    try {
                        headers.put(AUTHORIZATION, "Bearer " + token.get());
                    } catch (RuntimeException e) {
                        unreadable = e;
                    }
                    headers.put(CLUSTER_ID, clusterId);
                    super.start(listener, headers);
                    if (unreadable != null) {
                        // the call ends at once; the client's backoff retries, reading the token again
                        delegate().cancel("cannot read the bearer token: " + unreadable.getMessage(), unreadable);
                    }
                }
            };
        }
    }

    public synchronized Map<String, String> appliedVersions(String typeUrl) {
        return client == null ? Map.of() : client.appliedVersions(typeUrl);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (client != null) {
            client.close();
            channel.shutdownNow();
        }
    }
}
