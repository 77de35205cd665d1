package io.ambit.hbone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

/** The {@code forwarded} values ztunnel sends, byte for byte. */
class HboneHeadersTest {

    @Test
    void forwardedForIpv4AndIpv6() {
        assertThat(HboneHeaders.forwardedFor(new InetSocketAddress("10.244.1.5", 43210)).forwarded())
                .contains("for=\"10.244.1.5:43210\"");
        assertThat(HboneHeaders.forwardedFor(new InetSocketAddress("fd00::5", 43210)).forwarded())
                .contains("for=\"[fd00::5]:43210\"");
    }

    @Test
    void forwardedNamesTheServiceWhenThereIsOne() {
        assertThat(HboneHeaders.forwardedFor(new InetSocketAddress("10.244.1.5", 43210),
                "echo.demo.svc.cluster.local").forwarded())
                .contains("for=\"10.244.1.5:43210\";host=echo.demo.svc.cluster.local");
    }
}
