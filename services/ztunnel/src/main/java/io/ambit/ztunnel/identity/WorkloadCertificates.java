package io.ambit.ztunnel.identity;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.ambit.caclient.RenewingSvid;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificates of the identities this node's ztunnel serves: one per service account with a
 * captured pod on the node, obtained when the first such pod appears, renewed at half-life (with
 * backoff while the CA is away, the old certificate kept until it expires) and dropped when the
 * last such pod goes. Connections wait for a certificate rather than fail while the first one is
 * on its way.
 */
public final class WorkloadCertificates implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkloadCertificates.class);

    private final Function<SpiffeId, RenewingSvid.Issuer> issuers;
    private final Clock clock;
    private final Map<SpiffeId, Entry> entries = new ConcurrentHashMap<>();

    private record Entry(RenewingSvid svid, CompletableFuture<Svid> first) {
    }

    /** @param issuers how to obtain a certificate for an identity (from the CA, impersonating it) */
    public WorkloadCertificates(Function<SpiffeId, RenewingSvid.Issuer> issuers, Clock clock) {
        this.issuers = issuers;
        this.clock = clock;
    }

    /** Makes the served identities exactly these: new ones start, ones no longer needed stop. */
    public synchronized void serve(Set<SpiffeId> identities) {
        for (SpiffeId identity : identities) {
            entries.computeIfAbsent(identity, this::start);
        }
        for (SpiffeId served : Set.copyOf(entries.keySet())) {
            if (!identities.contains(served)) {
                Entry gone = entries.remove(served);
                gone.svid().close();
                log.info("no captured pod runs as {} any more; its certificate is dropped", served);
            }
        }
    }

    private Entry start(SpiffeId identity) {
        CompletableFuture<Svid> first = new CompletableFuture<>();
        RenewingSvid svid = RenewingSvid.start(identity.toString(), issuers.apply(identity), clock);
        svid.addListener(first::complete);
        return new Entry(svid, first);
    }

    /** The current certificate, if one has arrived. */
    public Optional<Svid> current(SpiffeId identity) {
        Entry entry = entries.get(identity);
        return entry == null ? Optional.empty() : entry.svid().current();
    }

    /** Completes with a certificate as soon as there is one; fails at once for an identity not served. */
    public CompletableFuture<Svid> await(SpiffeId identity) {
        Entry entry = entries.get(identity);
        if (entry == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(identity + " is not an identity this node serves"));
        }
        return entry.svid().current().map(CompletableFuture::completedFuture).orElse(entry.first());
    }

    public Set<SpiffeId> served() {
        return Set.copyOf(entries.keySet());
    }

    @Override
    public synchronized void close() {
        entries.values().forEach(entry -> entry.svid().close());
        entries.clear();
    }
}
