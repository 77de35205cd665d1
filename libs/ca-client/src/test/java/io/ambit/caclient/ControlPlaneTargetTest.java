package io.ambit.caclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** A control-plane address: fixed, or discovered with its DNS name as the fallback, looked up afresh each time. */
class ControlPlaneTargetTest {

    final AtomicReference<Object> answer = new AtomicReference<>();
    final ControlPlaneTarget.Lookup lookup = () -> {
        if (answer.get() instanceof RuntimeException e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        List<InetSocketAddress> found = (List<InetSocketAddress>) answer.get();
        return found;
    };

    @Test
    void discoveredEndpointsElseTheFallback() throws Exception {
        ControlPlaneTarget target = ControlPlaneTarget.discovered("ca-service.istio-system port grpc-ca", lookup, "localhost:15012");
        assertThat(target.isDiscovered()).isTrue();
        InetSocketAddress pod = new InetSocketAddress(InetAddress.getByName("10.244.0.7"), 15012);
        answer.set(List.of(pod));
        assertThat(target.resolveNow()).containsExactly(pod);

        // each call asks again: the endpoint moved
        InetSocketAddress moved = new InetSocketAddress(InetAddress.getByName("10.244.1.9"), 15012);
        answer.set(List.of(moved));
        assertThat(target.resolveNow()).containsExactly(moved);

        // no endpoint, no answer, a failing lookup: the fallback's addresses
        for (Object nothing : new Object[] {List.of(), null, new IllegalStateException("informer not synced")}) {
            answer.set(nothing);
            assertThat(target.resolveNow()).isNotEmpty().allSatisfy(a -> {
                assertThat(a.getAddress().isLoopbackAddress()).isTrue();
                assertThat(a.getPort()).isEqualTo(15012);
            });
        }
    }

    @Test
    void fixedAndBadAddresses() throws Exception {
        assertThat(ControlPlaneTarget.fixed("127.0.0.1:15010").isDiscovered()).isFalse();
        assertThat(ControlPlaneTarget.fixed("127.0.0.1:15010").resolveNow())
                .containsExactly(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 15010));
        // a bad setting is named when it is used, whichever way
        assertThatThrownBy(() -> ControlPlaneTarget.fixed("no port").channelBuilder()).hasMessageContaining("not host:port: no port");
        answer.set(List.of());
        assertThatThrownBy(() -> ControlPlaneTarget.discovered("x", lookup, "host:99999").resolveNow())
                .hasMessageContaining("port out of range in host:99999");
    }
}
