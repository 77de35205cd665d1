package io.ambit.waypoint.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.ambit.caclient.CaClient;
import io.ambit.caclient.ControlPlaneTarget;
import io.ambit.caclient.RenewingSvid;
import io.ambit.caclient.TrustBundleSource;
import io.ambit.hbone.HboneClient;
import io.ambit.hbone.HbonePool;
import io.ambit.hbone.HboneSettings;
import io.ambit.hbone.Transport;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.TrustBundle;
import io.ambit.identity.WorkloadIdentity;
import io.ambit.netns.InPodServerChannelFactory;
import io.ambit.netns.InPodSocketChannelFactory;
import io.ambit.netns.NetNamespace;
import io.ambit.service.MeshProperties;
import io.ambit.service.discovery.ControlPlaneDiscovery;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext.KeyMaterial;
import io.ambit.tls.ReloadableSslContext;
import io.ambit.waypoint.WaypointProperties;
import io.ambit.waypoint.config.WaypointConfigStore;
import io.ambit.waypoint.proxy.EndpointPicker;
import io.ambit.waypoint.proxy.HttpLimits;
import io.ambit.waypoint.proxy.ProxyContext;
import io.ambit.waypoint.proxy.WaypointProxy;
import io.ambit.waypoint.telemetry.RequestTelemetry;
import io.ambit.waypoint.tracing.RequestTracer;
import io.ambit.waypoint.tracing.TracingProperties;
import io.ambit.waypoint.tracing.WaypointTags;
import io.ambit.xdsclient.AdsSession;
import io.ambit.xdsclient.XdsTypes;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * One waypoint instance's life: its own certificate from the CA (renewed, each renewal applied to
 * the next HBONE handshake in and out and to the ADS session), a delta ADS session for the Envoy
 * types with node id {@code waypoint~<ip>~<pod>.<ns>~<ns>.svc.<domain>} (Istio's sidecar-style id),
 * and the HBONE data path, started once the first certificate is here.
 */
public final class WaypointAgent implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WaypointAgent.class);

    private final WaypointProperties properties;
    private final ControlPlaneTarget caTarget;
    private final ControlPlaneTarget xdsTarget;
    /** {@code source_cluster}/{@code destination_cluster} in its metrics. */
    private final String clusterId;
    private final WaypointConfigStore store;
    private final MeterRegistry meters;
    private final CompletableFuture<Void> certificate = new CompletableFuture<>();
    private final AtomicReference<TrustBundle> bundle = new AtomicReference<>();
    private final SpiffeId self;
    private final java.net.InetSocketAddress hboneBind;
    private volatile ReloadableSslContext serverTls;
    private Transport transport;
    private HbonePool pool;
    private volatile WaypointProxy proxy;
    private RenewingSvid own;
    private AdsSession session;
    /** The lab: the pod's namespace, where the HBONE sockets are made (null: this process's own). */
    private NetNamespace podNetns;
    private volatile boolean running;
    private final TracingProperties tracing;
    private RequestTracer tracer = RequestTracer.OFF;

    /** In the default cluster ({@link MeshProperties#DEFAULT_CLUSTER_ID}). */
    public WaypointAgent(WaypointProperties properties, WaypointConfigStore store, MeterRegistry meters) {
        this(properties, MeshProperties.defaults(), store, meters);
    }

    /** @param mesh the settings every service shares: the cluster id ({@code CLUSTER_ID}) */
    public WaypointAgent(WaypointProperties properties, MeshProperties mesh, WaypointConfigStore store, MeterRegistry meters) {
        this(properties, mesh, ControlPlaneDiscovery.none(), store, meters, TracingProperties.off());
    }

    /**
     * @param discovery in Kubernetes mode, how the CA and the xDS server are found (their addresses the fallback)
     * @param tracing spans per request and {@code traceparent} upstream, when enabled
     */
    public WaypointAgent(WaypointProperties properties, MeshProperties mesh, ControlPlaneDiscovery discovery,
            WaypointConfigStore store, MeterRegistry meters, TracingProperties tracing) {
        this.tracing = tracing;
        this.caTarget = ControlPlaneTarget.of(properties.caAddress(), "grpc-ca", discovery.lookup(properties.caAddress(), "grpc-ca"));
        this.xdsTarget = ControlPlaneTarget.of(properties.xdsAddress(), "grpc-xds", discovery.lookup(properties.xdsAddress(), "grpc-xds"));
        this.properties = properties;
        this.clusterId = mesh.clusterId();
        this.store = store;
        this.meters = meters;
        this.self = new WorkloadIdentity(properties.trustDomain(), properties.namespace(), properties.serviceAccount()).spiffeId();
        this.hboneBind = bindAddress(properties.hboneAddress());
    }

    /** {@code host:port}, port 0 allowed (a free port, for tests); a bad value fails start-up, not the first certificate. */
    static java.net.InetSocketAddress bindAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            String host = hostPort.substring(0, Math.max(colon, 0)).replace("[", "").replace("]", "");
            if (colon <= 0 || port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new java.net.InetSocketAddress(host, port);
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("ambit.waypoint.hbone-address \"" + hostPort + "\" is not host:port");
        }
    }

    /** Envoy's four types, and ztunnel's workloads: who each peer is, for Istio's metric labels (as Istio's waypoint's workload discovery). */
    static final java.util.List<String> WAYPOINT_TYPES = java.util.stream.Stream.concat(XdsTypes.ENVOY.stream(),
            java.util.stream.Stream.of(XdsTypes.ADDRESS)).toList();

    /** Ready: a certificate, and the control plane's first answer for each of the four types. */
    public boolean ready() {
        return certificate.isDone() && store.complete();
    }

    @Override
    public synchronized void start() {
        running = true;
        transport = Transport.create(0);
        if (properties.podNetns() != null && !properties.podNetns().isBlank()) {
            try {
                podNetns = NetNamespace.named(properties.podNetns());
            } catch (io.ambit.netns.NetnsException e) {
                throw new IllegalStateException("ambit.waypoint.pod-netns " + properties.podNetns() + ": " + e.getMessage(), e);
            }
            if (!transport.isEpoll()) {
                throw new IllegalStateException("ambit.waypoint.pod-netns needs Linux epoll (sockets are made inside the namespace)");
            }
        }
        String ns = properties.namespace();
        Node node = Node.newBuilder()
                .setId("waypoint~" + properties.podIp() + "~" + properties.podName() + "." + ns + "~" + ns + ".svc." + properties.clusterDomain())
                .build();
        // Istio names a waypoint's service account after its Gateway: the Gateway's name is the spans' canonical service
        tracer = RequestTracer.create(tracing, new WaypointTags(node.getId(), properties.serviceAccount(), null, ns, null, clusterId));
        session = new AdsSession(xdsTarget, controlPlane("xds-server"), node, WAYPOINT_TYPES, store, b -> { });
        HboneClient upstream = podNetns == null ? new HboneClient(transport, HboneSettings.clientDefaults())
                : new HboneClient(transport, HboneSettings.clientDefaults(), new InPodSocketChannelFactory(podNetns), null);
        pool = HbonePool.withIstioDefaults(upstream,
                id -> new KeyMaterial(own.current().orElseThrow(() -> new IllegalStateException("no certificate yet")), bundle.get()));
        TrustBundleSource roots = new TrustBundleSource(properties.bundleFile(), properties.bundleUrl());
        own = RenewingSvid.start("waypoint " + ns + "/" + properties.serviceAccount(), () -> {
            TrustBundle trust = roots.read(properties.trustDomain());
            try (CaClient ca = CaClient.connect(caTarget, trust, controlPlane("ca-service"), Optional.empty())) {
                var svid = ca.request(self, properties.nodeCredential(), Optional.of(token()), properties.certificateValidity());
                bundle.set(trust);
                return svid;
            }
        }, Clock.systemUTC());
        own.addListener(this::onCertificate);
        log.info("waypoint {} started: CA {}, xDS {}, HBONE on {} once the certificate is here", self, caTarget,
                xdsTarget, properties.hboneAddress());
    }

    private synchronized void onCertificate(io.ambit.identity.Svid svid) {
        KeyMaterial material = new KeyMaterial(svid, bundle.get());
        if (serverTls == null) {
            serverTls = ReloadableSslContext.server(material, PeerPolicy.anyInTrustDomain(properties.trustDomain()));
            if (running) {
                ProxyContext context = new ProxyContext(store::snapshot, pool, self, properties.upstreamHbonePort(), new EndpointPicker(),
                        new RequestTelemetry(meters, clusterId, address -> store.peers().peer(address)), HttpLimits.defaults(), tracer);
                // a new binding's first tunnels wait for the chain its xDS brings (ChainWaiters says why)
                io.ambit.waypoint.config.ChainWaiters waiters = new io.ambit.waypoint.config.ChainWaiters(store::snapshot, transport.group(),
                        io.ambit.waypoint.config.ChainWaiters.DEFAULT_WAIT);
                store.onSnapshot(waiters::snapshotPublished);
                proxy = WaypointProxy.start(transport, serverTls::current, hboneBind, context,
                        podNetns == null ? null : new InPodServerChannelFactory(podNetns), waiters);
            }
        } else {
            serverTls.update(material);
        }
        session.useCertificate(svid, bundle.get());
        certificate.complete(null);
    }

    private SpiffeId controlPlane(String serviceAccount) {
        return new WorkloadIdentity(properties.trustDomain(), properties.meshNamespace(), serviceAccount).spiffeId();
    }

    private String token() {
        try {
            return Files.readString(properties.tokenFile()).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the waypoint's token " + properties.tokenFile(), e);
        }
    }

    /** Where the HBONE server listens, once the first certificate started it. */
    public Optional<java.net.InetSocketAddress> hboneAddress() {
        WaypointProxy started = proxy;
        return started == null ? Optional.empty() : Optional.of(started.address());
    }

    public CompletableFuture<Void> whenCertified() {
        return certificate;
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (proxy != null) {
            proxy.close();
        }
        if (own != null) {
            own.close();
        }
        if (session != null) {
            session.close();
        }
        if (pool != null) {
            pool.close();
        }
        tracer.close(); // the spans still batched go out before the process ends
        if (transport != null) {
            transport.close();
        }
        if (podNetns != null) {
            try {
                podNetns.close();
            } catch (io.ambit.netns.SyscallException e) {
                log.debug("closing the pod namespace's descriptor: {}", e.getMessage());
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
