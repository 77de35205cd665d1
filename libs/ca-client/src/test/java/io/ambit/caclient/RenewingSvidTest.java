package io.ambit.caclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.testkit.IssuedCertificate;
import io.ambit.testkit.TestCa;
import org.junit.jupiter.api.Test;

/** Renewal against real certificates from a test CA, with lifetimes of a few seconds. */
class RenewingSvidTest {

    static final TestCa CA = TestCa.newRoot("cluster.local");
    static final String ID = "spiffe://cluster.local/ns/istio-system/sa/xds-server";

    static Svid shortLived(Duration lifetime) {
        Instant now = Instant.now();
        IssuedCertificate issued = CA.leaf(ID).validity(now.minusMillis(1), now.plus(lifetime)).issue();
        return new Svid(SpiffeId.parse(ID), issued.privateKey(), issued.chain());
    }

    @Test
    void renewsAtHalfLifeAndTellsListeners() {
        AtomicInteger issued = new AtomicInteger();
        List<Svid> heard = new CopyOnWriteArrayList<>();
        try (RenewingSvid svid = RenewingSvid.start("xds-server", () -> {
            issued.incrementAndGet();
            return shortLived(Duration.ofSeconds(3));
        }, Clock.systemUTC())) {
            svid.addListener(heard::add);
            await().atMost(Duration.ofSeconds(15)).until(() -> issued.get() >= 3);
            assertThat(heard).hasSizeGreaterThanOrEqualTo(2);
            assertThat(heard).doesNotHaveDuplicates();
            assertThat(svid.current()).isPresent();
        }
    }

    @Test
    void retriesWithBackoffUntilTheCaAnswers() {
        AtomicInteger attempts = new AtomicInteger();
        try (RenewingSvid svid = RenewingSvid.start("xds-server", () -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("CA unavailable");
            }
            return shortLived(Duration.ofHours(1));
        }, Clock.systemUTC())) {
            assertThat(svid.current()).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> svid.current().isPresent());
            assertThat(attempts.get()).isEqualTo(3);
        }
    }

    @Test
    void keepsTheOldCertificateWhileRenewalFails() {
        AtomicInteger attempts = new AtomicInteger();
        Svid first = shortLived(Duration.ofSeconds(2));
        try (RenewingSvid svid = RenewingSvid.start("xds-server", () -> {
            if (attempts.incrementAndGet() == 1) {
                return first;
            }
            throw new IllegalStateException("CA unavailable");
        }, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> attempts.get() >= 3);
            assertThat(svid.current()).containsSame(first);
        }
    }

    /**
     * Retry delays double from 1 s up to a minute, each drawn within ±50 % of its step: ztunnels
     * that lost the CA together (a control-plane restart) do not retry at the same instants.
     */
    @Test
    void retryDelaysGrowAndAreSpreadNotSynchronized() {
        for (int failures = 1; failures <= 8; failures++) {
            long step = Math.min(1000L << (failures - 1), RenewingSvid.MAX_RETRY.toMillis());
            java.util.Set<Long> drawn = new java.util.HashSet<>();
            for (int node = 0; node < 200; node++) {
                long delay = RenewingSvid.RETRY_DELAY.apply(failures);
                assertThat(delay).as("retry %d", failures).isBetween(step / 2, Math.min(step * 3 / 2, RenewingSvid.MAX_RETRY.toMillis()));
                drawn.add(delay);
            }
            if (step * 3 / 2 <= RenewingSvid.MAX_RETRY.toMillis()) {
                assertThat(drawn).as("200 nodes' delays before retry %d", failures).hasSizeGreaterThan(100);
            }
        }
    }

    @Test
    void renewalIsHalfWayThroughValidity() {
        Svid svid = shortLived(Duration.ofHours(24));
        Instant expected = svid.notBefore().plus(Duration.between(svid.notBefore(), svid.notAfter()).dividedBy(2));
        assertThat(RenewingSvid.renewalTime(svid, svid.notBefore())).isEqualTo(expected);
    }

    /** A CA backdates notBefore; with a short lifetime, half-way must count from receipt, or it is already past. */
    @Test
    void aBackdatedShortLivedCertificateIsRenewedHalfWayFromWhenItArrived() {
        Svid svid = shortLived(Duration.ofSeconds(40));
        Instant received = svid.notBefore().plus(Duration.ofSeconds(30)); // as if backdated by 30 s
        assertThat(RenewingSvid.renewalTime(svid, received)).isEqualTo(received.plus(Duration.ofSeconds(5)));
        assertThat(RenewingSvid.renewalTime(svid, received)).isAfter(received);
    }
}
