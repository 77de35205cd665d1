package io.ambit.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.ambit.identity.SpiffeId;
import io.ambit.waypoint.config.ClusterEndpoints;
import io.ambit.waypoint.config.ClusterPolicy;
import org.junit.jupiter.api.Test;

class EndpointPickerTest {

    static final InetSocketAddress A = new InetSocketAddress("10.0.0.1", 80);
    static final InetSocketAddress B = new InetSocketAddress("10.0.0.2", 80);
    static final InetSocketAddress C = new InetSocketAddress("10.0.0.3", 80);
    static final SpiffeId ID = SpiffeId.parse("spiffe://cluster.local/ns/ns/sa/echo");

    static ClusterEndpoints cluster(ClusterPolicy policy, InetSocketAddress... endpoints) {
        return new ClusterEndpoints("c", List.of(endpoints), java.util.Arrays.stream(endpoints)
                .collect(java.util.stream.Collectors.toMap(e -> e, e -> ID)), policy);
    }

    static ClusterPolicy.Outlier outlier(int consecutive5xx, int consecutiveGateway, int enforcingGateway, int maxPercent) {
        return new ClusterPolicy.Outlier(consecutive5xx, 100, consecutiveGateway, enforcingGateway, Duration.ofSeconds(30),
                Duration.ofSeconds(300), maxPercent);
    }

    @Test
    void roundRobinTakesTurnsAndARetryAvoidsThePreviousEndpoint() {
        EndpointPicker picker = new EndpointPicker();
        ClusterEndpoints c = cluster(ClusterPolicy.defaults(Duration.ofSeconds(5)), A, B);
        assertThat(List.of(picker.pick(c, null), picker.pick(c, null), picker.pick(c, null))).containsExactly(A, B, A);
        for (int i = 0; i < 10; i++) {
            assertThat(picker.pick(c, A)).isEqualTo(B);
        }
    }

    @Test
    void leastRequestPrefersTheLessBusyEndpoint() {
        EndpointPicker picker = new EndpointPicker();
        ClusterEndpoints c = cluster(new ClusterPolicy(Duration.ofSeconds(5), ClusterPolicy.Lb.LEAST_REQUEST, null, 50, 1024), A, B);
        for (int i = 0; i < 5; i++) {
            picker.attemptStarted(c, A); // A has 5 requests in flight
        }
        int toB = 0;
        for (int i = 0; i < 1000; i++) {
            toB += picker.pick(c, null).equals(B) ? 1 : 0;
        }
        // two random choices: B wins unless both draws are A (1 in 4); expected 750, the bound is ~4 sd away
        assertThat(toB).isGreaterThan(690);
    }

    @Test
    void consecutiveGatewayErrorsEjectForBaseTimeTimesEjectionsWithinMaxPercent() {
        AtomicLong now = new AtomicLong();
        EndpointPicker picker = new EndpointPicker(now::get);
        ClusterEndpoints c = cluster(new ClusterPolicy(Duration.ofSeconds(5), ClusterPolicy.Lb.ROUND_ROBIN, outlier(0, 2, 100, 34), 0, 1024), A, B, C);
        fail(picker, c, A, 502);
        fail(picker, c, A, 200); // a success resets the count
        fail(picker, c, A, 502);
        assertThat(picker.ejected(c, A)).isFalse();
        fail(picker, c, A, 0); // a connect failure counts as a gateway error
        assertThat(picker.ejected(c, A)).isTrue();
        for (int i = 0; i < 10; i++) {
            assertThat(picker.pick(c, null)).isNotEqualTo(A);
        }
        fail(picker, c, B, 503);
        fail(picker, c, B, 504);
        assertThat(picker.ejected(c, B)).as("a second ejection would pass 34 %").isFalse();
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(picker.pick(c, null)).isNotNull();
        assertThat(picker.ejected(c, A)).as("back after the base ejection time").isFalse();
        fail(picker, c, A, 500);
        fail(picker, c, A, 500); // 500 is no gateway error
        assertThat(picker.ejected(c, A)).isFalse();
        fail(picker, c, A, 503);
        fail(picker, c, A, 503);
        assertThat(picker.ejected(c, A)).isTrue();
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(picker.ejected(c, A)).as("the second ejection lasts twice as long").isTrue();
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(picker.ejected(c, A)).isFalse();
    }

    @Test
    void enforcementZeroCountsButNeverEjectsAndAllEjectedIsNoHealthyUpstreamWithoutPanic() {
        EndpointPicker picker = new EndpointPicker(() -> 0L);
        ClusterEndpoints counted = cluster(new ClusterPolicy(Duration.ofSeconds(5), ClusterPolicy.Lb.ROUND_ROBIN, outlier(0, 1, 0, 100), 0, 1024), A);
        fail(picker, counted, A, 503);
        assertThat(picker.ejected(counted, A)).isFalse();
        ClusterEndpoints single = new ClusterEndpoints("d", List.of(A), Map.of(A, ID),
                new ClusterPolicy(Duration.ofSeconds(5), ClusterPolicy.Lb.ROUND_ROBIN, outlier(1, 0, 0, 10), 0, 1024));
        fail(picker, single, A, 500);
        assertThat(picker.ejected(single, A)).as("at least one endpoint may always be ejected").isTrue();
        assertThat(picker.pick(single, null)).as("no healthy upstream").isNull();
        ClusterEndpoints panicking = new ClusterEndpoints("d", List.of(A), Map.of(A, ID),
                new ClusterPolicy(Duration.ofSeconds(5), ClusterPolicy.Lb.ROUND_ROBIN, outlier(1, 0, 0, 10), 50, 1024));
        assertThat(picker.pick(panicking, null)).as("Envoy's panic mode uses every endpoint").isEqualTo(A);
    }

    @Test
    void maxRequestsOverflows() {
        EndpointPicker picker = new EndpointPicker();
        ClusterEndpoints c = cluster(new ClusterPolicy(Duration.ofSeconds(5), ClusterPolicy.Lb.ROUND_ROBIN, null, 50, 1), A);
        assertThat(picker.admit(c)).isTrue();
        assertThat(picker.admit(c)).isFalse();
        picker.release(c);
        assertThat(picker.admit(c)).isTrue();
    }

    private static void fail(EndpointPicker picker, ClusterEndpoints c, InetSocketAddress e, int status) {
        picker.attemptStarted(c, e);
        picker.attemptEnded(c, e, status);
    }
}
