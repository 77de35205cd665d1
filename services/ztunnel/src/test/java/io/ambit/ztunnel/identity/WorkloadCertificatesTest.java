package io.ambit.ztunnel.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import org.junit.jupiter.api.Test;

/** Per-identity certificates with real certificates from a test CA standing in for ca-service's answers. */
class WorkloadCertificatesTest {

    static final TestCa CA = TestCa.newRoot("cluster.local");
    static final SpiffeId SLEEP = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep");
    static final SpiffeId ECHO = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/echo");

    final Map<SpiffeId, AtomicInteger> issued = new ConcurrentHashMap<>();

    Svid issue(SpiffeId id, Duration lifetime) {
        issued.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        Instant now = Instant.now();
        IssuedCertificate certificate = CA.leaf(id.toString()).validity(now.minusMillis(1), now.plus(lifetime)).issue();
        return new Svid(id, certificate.privateKey(), certificate.chain());
    }

    @Test
    void servesExactlyTheIdentitiesOfCapturedPods() throws Exception {
        try (WorkloadCertificates certificates = new WorkloadCertificates(id -> () -> issue(id, Duration.ofHours(1)), Clock.systemUTC())) {
            certificates.serve(Set.of(SLEEP, ECHO));
            assertThat(certificates.await(SLEEP).get(10, TimeUnit.SECONDS).id()).isEqualTo(SLEEP);
            assertThat(certificates.await(ECHO).get(10, TimeUnit.SECONDS).id()).isEqualTo(ECHO);

            certificates.serve(Set.of(SLEEP)); // the last echo pod left the node
            assertThat(certificates.served()).containsExactly(SLEEP);
            assertThat(certificates.current(ECHO)).isEmpty();
            assertThatThrownBy(() -> certificates.await(ECHO).get()).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("not an identity this node serves");

            certificates.serve(Set.of(SLEEP)); // unchanged: no new request
            assertThat(issued.get(SLEEP).get()).isEqualTo(1);
        }
    }

    @Test
    void aConnectionWaitsForTheFirstCertificateWhileTheCaIsSlow() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (WorkloadCertificates certificates = new WorkloadCertificates(id -> () -> {
            if (attempts.incrementAndGet() < 2) {
                throw new IllegalStateException("CA unavailable");
            }
            return issue(id, Duration.ofHours(1));
        }, Clock.systemUTC())) {
            certificates.serve(Set.of(SLEEP));
            var pending = certificates.await(SLEEP);
            assertThat(pending.get(10, TimeUnit.SECONDS).id()).isEqualTo(SLEEP);
            assertThat(attempts.get()).isEqualTo(2);
        }
    }

    @Test
    void renewsAtHalfLife() {
        try (WorkloadCertificates certificates = new WorkloadCertificates(id -> () -> issue(id, Duration.ofSeconds(2)), Clock.systemUTC())) {
            certificates.serve(Set.of(SLEEP));
            await().atMost(Duration.ofSeconds(10)).until(() -> issued.get(SLEEP) != null && issued.get(SLEEP).get() >= 3);
            assertThat(certificates.current(SLEEP)).isPresent();
        }
    }
}
