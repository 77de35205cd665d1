package io.ambit.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Random;

import org.junit.jupiter.api.Test;

class OriginalDestinationTest {

    @Test
    void parsesSockaddrIn() {
        byte[] sockaddr = {2, 0, 0x1f, (byte) 0x90, 10, (byte) 250, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(OriginalDestination.parse(sockaddr))
                .isEqualTo(new InetSocketAddress(InetAddress.ofLiteral("10.250.3.2"), 8080));
    }

    @Test
    void parsesSockaddrIn6() {
        byte[] sockaddr = new byte[28];
        sockaddr[0] = 10;
        sockaddr[2] = 0x3a;
        sockaddr[3] = (byte) 0x98;
        byte[] address = InetAddress.ofLiteral("fd00::7").getAddress();
        System.arraycopy(address, 0, sockaddr, 8, 16);
        assertThat(OriginalDestination.parse(sockaddr))
                .isEqualTo(new InetSocketAddress(InetAddress.ofLiteral("fd00::7"), 15000));
    }

    @Test
    void refusesTruncatedAndUnknownFamilies() {
        assertThatThrownBy(() -> OriginalDestination.parse(new byte[] {2, 0, 0, 80}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 16 bytes");
        assertThatThrownBy(() -> OriginalDestination.parse(new byte[] {1, 0, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown family 1");
    }

    @Test
    void randomBytesNeverFailOtherThanWithIllegalArgument() {
        Random random = new Random(1337);
        for (int i = 0; i < 10_000; i++) {
            byte[] bytes = new byte[random.nextInt(40)];
            random.nextBytes(bytes);
            if (random.nextBoolean() && bytes.length > 1) {
                bytes[0] = (byte) (random.nextBoolean() ? 2 : 10);
                bytes[1] = 0;
            }
            try {
                assertThat(OriginalDestination.parse(bytes).getPort()).isBetween(0, 65535);
            } catch (IllegalArgumentException expected) {
                // a malformed sockaddr is refused, never misread
            }
        }
    }

    @Test
    void parsesIfInet6Lines() {
        assertThat(InterfaceAddresses.parseIfInet6("fd000000000000000000000000000007 02 40 00 80 eth0"))
                .contains(InetAddress.ofLiteral("fd00::7"));
        assertThat(InterfaceAddresses.parseIfInet6("garbage")).isEmpty();
    }
}
