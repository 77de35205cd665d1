package io.ambit.hbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ConnectAuthorityTest {

    @Test
    void parsesIpv4AndBracketedIpv6() {
        assertThat(ConnectAuthority.parse("10.244.1.7:8080")).isEqualTo(new InetSocketAddress("10.244.1.7", 8080));
        assertThat(ConnectAuthority.parse("[fd00::1]:443")).isEqualTo(new InetSocketAddress("fd00::1", 443));
    }

    @Test
    void formatRoundTrips() {
        for (String authority : new String[] {"10.96.0.10:53", "[fd00::1]:443"}) {
            assertThat(ConnectAuthority.format(ConnectAuthority.parse(authority))).isEqualTo(authority);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":80", "10.0.0.1", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:+80",
            "10.0.0.1:8O", "echo.default.svc:80", "localhost:80", "fd00::1:80", "[fd00::1]", "[zz::1]:80",
            "10.0.0.256:80", "10.0.0.1:123456"})
    void refusesAnythingButIpAndPort(String authority) {
        assertThatThrownBy(() -> ConnectAuthority.parse(authority))
                .isInstanceOf(ConnectAuthority.InvalidAuthorityException.class)
                .hasMessageContaining("invalid HBONE authority");
    }

    /** Whatever arrives in :authority, the parser answers with an address or its own exception. */
    @Test
    void randomInputNeverEscapesAsAnotherException() {
        Random random = new Random(1);
        String alphabet = "0123456789abcdef:.[]%-x ";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder input = new StringBuilder();
            for (int n = random.nextInt(48); n > 0; n--) {
                input.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                InetSocketAddress parsed = ConnectAuthority.parse(input.toString());
                assertThat(parsed.isUnresolved()).isFalse();
                assertThat(parsed.getPort()).isBetween(1, 65_535);
            } catch (ConnectAuthority.InvalidAuthorityException expected) {
                // refused with a reason: fine
            }
        }
    }
}
