package io.ambit.ztunnel.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The forwarded header's {@code host} parameter, as a client ztunnel sends it and as a hostile one might. */
class InboundServiceTest {

    @Test
    void readsTheHostOfTheForwardedHeader() {
        assertThat(InboundService.host("for=\"10.0.0.1:4000\";host=echo.demo.svc.cluster.local"))
                .hasValue("echo.demo.svc.cluster.local");
        assertThat(InboundService.host("for=\"10.0.0.1:4000\"; Host=\"echo.demo.svc.cluster.local\""))
                .hasValue("echo.demo.svc.cluster.local");
    }

    @Test
    void noOrEmptyHostIsNone() {
        assertThat(InboundService.host("for=\"10.0.0.1:4000\"")).isEmpty();
        assertThat(InboundService.host("for=\"10.0.0.1:4000\";host=")).isEmpty();
        assertThat(InboundService.host("for=\"10.0.0.1:4000\";host=\"\"")).isEqualTo(Optional.empty());
        assertThat(InboundService.host(";;;,,")).isEmpty();
    }
}
