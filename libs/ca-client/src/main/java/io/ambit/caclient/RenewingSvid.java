package io.ambit.caclient;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import io.ambit.identity.Svid;
import io.github.resilience4j.core.IntervalFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One identity's certificate, kept current: obtained as soon as possible, renewed at half its
 * lifetime, and when the CA cannot be reached retried with exponential backoff (1 s doubling up to
 * a minute, each delay drawn within ±50 %) while the old certificate stays in use until it expires. Listeners hear of every new
 * certificate, so TLS contexts can swap key material without dropping open connections.
 */
public final class RenewingSvid implements AutoCloseable {

    /** Obtains a fresh certificate; throws when the CA is unreachable or refuses. */
    @FunctionalInterface
    public interface Issuer {
        Svid issue() throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(RenewingSvid.class);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofMinutes(1);
    /**
     * The delay before retry n (from 1): jittered, so the ztunnels that lost the CA together (a
     * control-plane restart) do not all come back at the same instants. resilience4j caps after
     * drawing, so delays at the cap are equal again, but each node's earlier random delays have
     * already spread the nodes apart.
     */
    static final IntervalFunction RETRY_DELAY = IntervalFunction.ofExponentialRandomBackoff(FIRST_RETRY, 2.0, 0.5, MAX_RETRY);

    private final String name;
    private final Issuer issuer;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final AtomicReference<Svid> current = new AtomicReference<>();
    private final List<Consumer<Svid>> listeners = new CopyOnWriteArrayList<>();

    private RenewingSvid(String name, Issuer issuer, Clock clock) {
        this.name = name;
        this.issuer = issuer;
        this.clock = clock;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "svid-renewal-" + name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts obtaining the certificate in the background; {@link #current()} is empty until it arrives. */
    public static RenewingSvid start(String name, Issuer issuer, Clock clock) {
        RenewingSvid svid = new RenewingSvid(name, issuer, clock);
        svid.scheduler.execute(() -> svid.attempt(0));
        return svid;
    }

    public Optional<Svid> current() {
        return Optional.ofNullable(current.get());
    }

    /** Called with each new certificate (also the first), on the renewal thread. */
    public void addListener(Consumer<Svid> listener) {
        listeners.add(listener);
        Svid now = current.get();
        if (now != null) {
            listener.accept(now);
        }
    }

    private void attempt(int failedBefore) {
        try {
            Svid fresh = issuer.issue();
            current.set(fresh);
            listeners.forEach(listener -> listener.accept(fresh));
            Instant renewAt = renewalTime(fresh, clock.instant());
            log.info("certificate for {} obtained, valid until {}, renewal at {}", name, fresh.leaf().getNotAfter().toInstant(), renewAt);
            schedule(Duration.between(clock.instant(), renewAt), 0);
        } catch (Exception e) {
            Svid old = current.get();
            String keeping = old == null ? "no certificate yet"
                    : "keeping the current one until " + old.leaf().getNotAfter().toInstant();
            int failures = failedBefore + 1;
            Duration backoff = Duration.ofMillis(RETRY_DELAY.apply(failures));
            log.warn("cannot obtain a certificate for {} ({}); {}; retrying in {}", name, e.toString(), keeping, backoff);
            schedule(backoff, failures);
        }
    }

    private void schedule(Duration delay, int failures) {
        if (!scheduler.isShutdown()) {
            scheduler.schedule(() -> attempt(failures), Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Half-way through the certificate's validity, as Istio's agents renew, counted from when it
     * was received if that is later than its notBefore: a CA backdates notBefore against clock
     * skew, and with a short lifetime the half-way point could otherwise already have passed,
     * which would renew at once, again and again.
     */
    static Instant renewalTime(Svid svid, Instant received) {
        Instant notBefore = svid.leaf().getNotBefore().toInstant();
        Instant start = received.isAfter(notBefore) ? received : notBefore;
        Instant notAfter = svid.leaf().getNotAfter().toInstant();
        return start.plus(Duration.between(start, notAfter).dividedBy(2));
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
