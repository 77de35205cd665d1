package io.ambit.caclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void parsesHostsAndAddresses() {
        assertThat(HostPort.parse("127.0.0.1:15012").getPort()).isEqualTo(15012);
        assertThat(HostPort.parse("ca-service.istio-system.svc:15012").getHostString()).isEqualTo("ca-service.istio-system.svc");
        assertThat(HostPort.parse("[::1]:15010").getPort()).isEqualTo(15010);
    }

    @Test
    void refusesWhatIsNotHostPort() {
        for (String bad : new String[] {"15012", ":15012", "host:", "host:port", "host:0", "host:70000"}) {
            assertThatThrownBy(() -> HostPort.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
        }
    }
}
