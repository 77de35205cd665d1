package io.ambit.ztunnel.agent;

import io.ambit.identity.WorkloadIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import io.ambit.caclient.ControlPlaneTarget;
import io.ambit.caclient.CaClient;
import io.ambit.caclient.RenewingSvid;
import io.ambit.caclient.TrustBundleSource;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.TrustBundle;
import io.ambit.xdsclient.AdsSession;
import io.ambit.xdsclient.XdsTypes;
import io.ambit.ztunnel.ZtunnelProperties;
import io.ambit.ztunnel.identity.CaIssuer;
import io.ambit.ztunnel.identity.WorkloadCertificates;
import io.ambit.ztunnel.state.LocalConfigException;
import io.ambit.ztunnel.state.LocalConfigLoader;
import io.ambit.ztunnel.state.LocalConfigWatcher;
import io.ambit.ztunnel.state.StateChange;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.ztunnel.state.Workload;
import io.ambit.ztunnel.state.XdsStateHandler;
import io.envoyproxy.envoy.config.core.v3.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The node agent's control-plane side: its own certificate ({@code <mesh ns>/ztunnel}) from the
 * CA with the node's token, a delta ADS session to the xDS server with it (moving to a new
 * connection at each renewal, resuming from what it has; or, with {@code xds-auth: token}, as Istio's
 * ztunnel connects: its bearer token on TLS without a client certificate), and the certificates of the identities
 * of the HBONE pods on its node — requested as the first such pod appears in its xDS state and
 * dropped with the last. The data plane (capture, HBONE) builds on this.
 *
 * <p>With {@code ambit.ztunnel.local-config} set, the state comes from that file instead
 * ({@link LocalConfigWatcher}) and no ADS session is opened; nor is its own certificate requested,
 * as only the session uses it. A refused file fails start-up. Pod certificates still come from the CA.
 */
public final class NodeAgent implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
    /** How often a local config file is looked at for changes. */
    static final Duration LOCAL_CONFIG_POLL = Duration.ofSeconds(1);

    private final ZtunnelProperties properties;
    private final ControlPlaneTarget ca;
    private final ControlPlaneTarget xdsServer;
    private final XdsNode xdsNode;
    private final String clusterId;
    private final StateStore state;
    private final WorkloadCertificates certificates;
    private final XdsStateHandler xds;
    private final CompletableFuture<Void> ownCertificate = new CompletableFuture<>();
    /** The state is what the control plane (or the local config file) says: first answers applied. */
    private final CompletableFuture<Void> stateSynced = new CompletableFuture<>();
    private final AtomicReference<TrustBundle> bundle = new AtomicReference<>();
    private volatile RenewingSvid own;
    private AdsSession session;
    private LocalConfigWatcher localConfig;
    private volatile boolean running;

    public NodeAgent(ZtunnelProperties properties, StateStore state, WorkloadCertificates certificates) {
        this(properties, XdsNode.defaults(), io.ambit.service.MeshProperties.defaults(), state, certificates);
    }

    /**
     * @param xdsNode who this node agent says it is on the xDS stream (Istio's node id form)
     * @param mesh    the settings every service shares: the {@code CLUSTER_ID} it sends
     */
    public NodeAgent(ZtunnelProperties properties, XdsNode xdsNode, io.ambit.service.MeshProperties mesh, StateStore state,
            WorkloadCertificates certificates) {
        this(properties, xdsNode, mesh, ControlPlaneTarget.fixed(properties.caAddress()), ControlPlaneTarget.fixed(properties.xdsAddress()),
                state, certificates);
    }

    /**
     * @param ca  where the CA is: {@code ca-address}, or found by discovery (Kubernetes mode)
     * @param xds where the xDS server is: {@code xds-address}, or found by discovery
     */
    public NodeAgent(ZtunnelProperties properties, XdsNode xdsNode, io.ambit.service.MeshProperties mesh, ControlPlaneTarget ca,
            ControlPlaneTarget xds, StateStore state, WorkloadCertificates certificates) {
        this.ca = ca;
        this.xdsServer = xds;
        this.xdsNode = xdsNode;
        this.clusterId = mesh.clusterId();
        this.properties = properties;
        this.state = state;
        this.certificates = certificates;
        this.xds = new XdsStateHandler(state);
    }

    /** The mesh's trust bundle as last fetched with this node's own certificate. */
    public TrustBundle trustBundle() {
        TrustBundle current = bundle.get();
        if (current == null) {
            throw new IllegalStateException("ztunnel has no trust bundle yet (its own certificate is still on its way)");
        }
        return current;
    }

    /**
     * Ready to serve: this node's own certificate is here (so the trust bundle is known) and the
     * control plane's first answer of each type (or the local config file) has been applied.
     */
    public boolean ready() {
        return whenReady().isDone();
    }

    /** Completes when {@link #ready()} becomes true. */
    public CompletableFuture<Void> whenReady() {
        return CompletableFuture.allOf(ownCertificate, stateSynced);
    }

    /** How this node agent asks the CA for pod certificates (shared with {@link WorkloadCertificates}). */
    public static CaIssuer issuer(ZtunnelProperties properties) {
        return issuer(properties, ControlPlaneTarget.fixed(properties.caAddress()));
    }

    /** @param ca where the CA is (a fixed address, or found by discovery) */
    public static CaIssuer issuer(ZtunnelProperties properties, ControlPlaneTarget ca) {
        TrustBundleSource roots = new TrustBundleSource(properties.bundleFile(), properties.bundleUrl());
        return new CaIssuer(ca, spiffe(properties, "ca-service"), () -> {
            try {
                return roots.read(properties.trustDomain());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }, () -> token(properties), properties.certificateValidity());
    }

    @Override
    public void start() {
        running = true;
        if (properties.localConfig() != null) {
            startLocal();
        } else {
            Node node = xdsNode.toNode(properties.node(), properties.meshNamespace(), clusterId);
            session = new AdsSession(xdsServer, spiffe(properties, "xds-server"), node,
                    List.of(XdsTypes.ADDRESS, XdsTypes.AUTHORIZATION), xds, builder -> { });
            state.addListener(this::onStateChange);
            xds.synced().thenRun(() -> stateSynced.complete(null));
            log.info("ztunnel node agent for {} started: CA {}, xDS {}", properties.node(), ca, xdsServer);
        }
        startOwnCertificate();
    }

    /**
     * Its own certificate ({@code <mesh ns>/ztunnel}): the client certificate of the ADS session,
     * and the moment the mesh's trust bundle is known (also in local-config mode, where the pods'
     * certificates still come from the CA and their connections need the bundle).
     */
    private void startOwnCertificate() {
        SpiffeId self = spiffe(properties, "ztunnel");
        TrustBundleSource roots = new TrustBundleSource(properties.bundleFile(), properties.bundleUrl());
        own = RenewingSvid.start("ztunnel (" + properties.node() + ")", () -> {
            TrustBundle trust = roots.read(properties.trustDomain());
            try (CaClient client = CaClient.connect(ca, trust, spiffe(properties, "ca-service"),
                    Optional.empty())) {
                var svid = client.request(self, false, Optional.of(token(properties)), properties.certificateValidity());
                bundle.set(trust);
                return svid;
            }
        }, Clock.systemUTC());
        own.addListener(svid -> {
            if (session != null && properties.xdsAuth() == ZtunnelProperties.XdsAuth.TOKEN) {
                // the bundle is known now; the token is read at each call, so renewals change nothing here
                session.useBearerToken(bundle.get(), () -> token(properties), clusterId);
            } else if (session != null) {
                session.useCertificate(svid, bundle.get());
            }
            ownCertificate.complete(null);
        });
    }

    /** The listener first: the file's pods on this node get their certificates from the first load. */
    private void startLocal() {
        state.addListener(this::onStateChange);
        try {
            localConfig = LocalConfigWatcher.start(new LocalConfigLoader(properties.localConfig(), state), LOCAL_CONFIG_POLL);
        } catch (LocalConfigException e) {
            throw new IllegalStateException("ambit.ztunnel.local-config: " + e.getMessage(), e);
        }
        stateSynced.complete(null);
        log.info("ztunnel node agent for {} started: CA {}, state from local config {} (no xDS)", properties.node(),
                properties.caAddress(), properties.localConfig());
    }

    private void onStateChange(StateChange change) {
        if (!change.nodeChanged(properties.node())) {
            return;
        }
        Set<SpiffeId> identities = change.current().hboneWorkloadsOnNode(properties.node()).stream()
                .map(NodeAgent::identity).collect(Collectors.toSet());
        certificates.serve(identities);
    }

    static SpiffeId identity(Workload workload) {
        return new WorkloadIdentity(workload.trustDomain(), workload.namespace(), workload.serviceAccount()).spiffeId();
    }

    private static SpiffeId spiffe(ZtunnelProperties properties, String serviceAccount) {
        return new WorkloadIdentity(properties.trustDomain(), properties.meshNamespace(), serviceAccount).spiffeId();
    }

    private static String token(ZtunnelProperties properties) {
        try {
            return Files.readString(properties.tokenFile()).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the node token " + properties.tokenFile(), e);
        }
    }

    @Override
    public void stop() {
        running = false;
        if (own != null) {
            own.close();
        }
        if (session != null) {
            session.close();
        }
        if (localConfig != null) {
            localConfig.close();
        }
        certificates.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
