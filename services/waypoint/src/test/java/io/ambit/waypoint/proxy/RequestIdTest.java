package io.ambit.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/** The x-request-id the waypoint makes when a request has none: a random version 4 UUID, as Envoy's. */
class RequestIdTest {

    @Test
    void isARandomVersion4UuidWithTheIetfVariant() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = Exchange.newRequestId();
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            assertThat(id).hasSize(36).isLowerCase();
            seen.add(id);
        }
        assertThat(seen).hasSize(10_000);
    }
}
