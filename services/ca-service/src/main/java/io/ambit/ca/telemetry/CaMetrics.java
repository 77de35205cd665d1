package io.ambit.ca.telemetry;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

import io.ambit.ca.keys.CaKeyMaterial;
import io.ambit.service.metrics.IstioSum;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * The CA's metrics. Istio's names where Istio has one, exported as istiod exports them (counters
 * without {@code _total}, see {@link IstioSum}): {@code citadel_server_csr_count},
 * {@code citadel_server_success_cert_issuance_count}, {@code citadel_server_authentication_failure_count},
 * {@code citadel_server_root_cert_expiry_seconds} / {@code _timestamp},
 * {@code citadel_server_cert_chain_expiry_seconds} / {@code _timestamp}; Ambit's own for what Istio does not count:
 * {@code ambit_ca_requests_total{outcome,reason}} and the signing latency histogram
 * {@code ambit_ca_sign_duration_seconds}.
 */
public final class CaMetrics {

    private final MeterRegistry registry;
    private final IstioSum csrs;
    private final IstioSum issued;
    private final IstioSum authenticationFailures;
    private final Timer signing;

    public CaMetrics(MeterRegistry registry, Supplier<CaKeyMaterial> ca, Clock clock) {
        this.registry = registry;
        this.csrs = IstioSum.register(registry, "citadel_server_csr_count", "CSRs received", Tags.empty());
        this.issued = IstioSum.register(registry, "citadel_server_success_cert_issuance_count", "certificates issued", Tags.empty());
        this.authenticationFailures = IstioSum.register(registry, "citadel_server_authentication_failure_count",
                "requests whose caller could not be authenticated", Tags.empty());
        this.signing = Timer.builder("ambit.ca.sign.duration")
                .description("time from request to signed chain, for requests that were signed")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
        // Strong references: the supplier is a lambda nothing else holds, and a weakly held one is
        // collected and then read as NaN.
        Gauge.builder("citadel.server.root.cert.expiry.seconds", ca,
                        m -> Duration.between(clock.instant(), m.get().root().getNotAfter().toInstant()).toSeconds())
                .description("seconds until the root certificate expires").strongReference(true).register(registry);
        Gauge.builder("citadel.server.cert.chain.expiry.seconds", ca,
                        m -> Duration.between(clock.instant(), m.get().notAfter()).toSeconds())
                .description("seconds until the signing certificate expires").strongReference(true).register(registry);
        Gauge.builder("citadel.server.root.cert.expiry.timestamp", ca, m -> m.get().root().getNotAfter().toInstant().getEpochSecond())
                .description("unix time, in seconds, when the root certificate expires").strongReference(true).register(registry);
        Gauge.builder("citadel.server.cert.chain.expiry.timestamp", ca, m -> m.get().notAfter().getEpochSecond())
                .description("unix time, in seconds, when the signing certificate expires").strongReference(true).register(registry);
    }

    public void received() {
        csrs.increment();
    }

    public void signed(Duration took) {
        issued.increment();
        signing.record(took);
        outcome("signed", "ok");
    }

    /** @param unauthenticated the caller's credential was missing or not accepted */
    public void refused(String reason, boolean unauthenticated) {
        if (unauthenticated) {
            authenticationFailures.increment();
        }
        outcome("refused", reason);
    }

    private void outcome(String outcome, String reason) {
        registry.counter("ambit.ca.requests", "outcome", outcome, "reason", reason).increment();
    }
}
