package io.ambit.ca.telemetry;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

import io.ambit.ca.keys.CaKeyMaterial;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The CA's metrics. Istio's names where Istio has one ({@code citadel_server_csr_count},
 * {@code citadel_server_success_cert_issuance_count}, {@code citadel_server_root_cert_expiry_seconds},
 * {@code citadel_server_cert_chain_expiry_seconds}); Ambit's own for what Istio does not count:
 * {@code ambit_ca_requests_total{outcome,reason}} and the signing latency histogram
 * {@code ambit_ca_sign_duration_seconds}.
 */
public final class CaMetrics {

    private final MeterRegistry registry;
    private final Counter csrs;
    private final Counter issued;
    private final Timer signing;

    public CaMetrics(MeterRegistry registry, Supplier<CaKeyMaterial> ca, Clock clock) {
        this.registry = registry;
        this.csrs = Counter.builder("citadel.server.csr.count").description("CSRs received").register(registry);
        this.issued = Counter.builder("citadel.server.success.cert.issuance.count")
                .description("certificates issued").register(registry);
        this.signing = Timer.builder("ambit.ca.sign.duration")
                .description("time from request to signed chain, for requests that were signed")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
        Gauge.builder("citadel.server.root.cert.expiry.seconds", ca,
                        m -> Duration.between(clock.instant(), m.get().root().getNotAfter().toInstant()).toSeconds())
                .description("seconds until the root certificate expires").register(registry);
        Gauge.builder("citadel.server.cert.chain.expiry.seconds", ca,
                        m -> Duration.between(clock.instant(), m.get().notAfter()).toSeconds())
                .description("seconds until the signing certificate expires").register(registry);
    }

    public void received() {
        csrs.increment();
    }

    public void signed(Duration took) {
        issued.increment();
        signing.record(took);
        outcome("signed", "ok");
    }

    public void refused(String reason) {
        outcome("refused", reason);
    }

    private void outcome(String outcome, String reason) {
        registry.counter("ambit.ca.requests", "outcome", outcome, "reason", reason).increment();
    }
}
