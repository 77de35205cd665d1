package io.ambit.ca.grpc;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.ambit.ca.keys.CaKeyMaterial;
import io.ambit.identity.Svid;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.ambit.tls.ReloadableSslContext;
import io.netty.handler.ssl.ClientAuth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps the CA's serving certificate fresh: issued at start, renewed at half its lifetime, as
 * workload certificates are. New connections see the new certificate at once; open ones are not
 * disturbed. A failed renewal is logged and retried at the next tick, while the current
 * certificate is still valid.
 */
public final class ServingCertificateRotator implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ServingCertificateRotator.class);

    private final CaKeyMaterial keys;
    private final String trustDomain;
    private final String meshNamespace;
    private final Duration validity;
    private final Clock clock;
    private final java.util.List<String> dnsNames;
    private final ReloadableSslContext context;
    private ScheduledExecutorService timer;

    public ServingCertificateRotator(CaKeyMaterial keys, String trustDomain, String meshNamespace, Duration validity, Clock clock) {
        this(keys, trustDomain, meshNamespace,
                io.ambit.identity.ServiceDnsNames.controlPlane(ServingCertificate.SERVICE_ACCOUNT, meshNamespace, "cluster.local", false),
                validity, clock);
    }

    /** @param dnsNames the Service names the certificate carries beside its SPIFFE ID */
    public ServingCertificateRotator(CaKeyMaterial keys, String trustDomain, String meshNamespace, java.util.List<String> dnsNames,
            Duration validity, Clock clock) {
        this.dnsNames = java.util.List.copyOf(dnsNames);
        this.keys = keys;
        this.trustDomain = trustDomain;
        this.meshNamespace = meshNamespace;
        this.validity = validity;
        this.clock = clock;
        this.context = ReloadableSslContext.of(material(), m -> MeshTls.server(m.svid(), m.bundle(),
                PeerPolicy.anyInTrustDomain(trustDomain), ClientAuth.OPTIONAL, clock));
    }

    private ReloadableSslContext.KeyMaterial material() {
        Svid serving = ServingCertificate.issue(keys, trustDomain, meshNamespace, dnsNames, validity, clock);
        return new ReloadableSslContext.KeyMaterial(serving, keys.bundle());
    }

    /** The TLS context the gRPC server takes each connection's handler from. */
    public ReloadableSslContext context() {
        return context;
    }

    /** Issues a new serving certificate now. */
    public void rotate() {
        context.update(material());
        log.info("CA serving certificate renewed: {}", context.keyMaterial().svid());
    }

    @Override
    public void start() {
        timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ca-serving-cert");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(1, validity.toSeconds() / 2);
        timer.scheduleAtFixedRate(() -> {
            try {
                rotate();
            } catch (RuntimeException e) {
                log.warn("CA serving certificate renewal failed, will retry: {}", e.toString());
            }
        }, period, period, TimeUnit.SECONDS);
    }

    @Override
    public void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }

    @Override
    public boolean isRunning() {
        return timer != null;
    }
}
