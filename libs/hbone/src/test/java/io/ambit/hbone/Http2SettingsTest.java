package io.ambit.hbone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import io.ambit.testkit.TestCa;
import io.ambit.testkit.TestCaExtension;
import io.netty.handler.codec.http2.Http2Connection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** ztunnel's HTTP/2 settings are what both ends actually negotiate. */
@ExtendWith(TestCaExtension.class)
class Http2SettingsTest {

    private TestBed bed;

    @BeforeEach
    void start(TestCa ca) {
        bed = new TestBed(ca);
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    @Test
    void windowsAndStreamLimitsAreIstios() {
        HboneConnection connection = bed.connect(bed.server(b -> { }));
        Http2Connection h2 = connection.codec().connection();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            // what we let the server send (applied when the server acknowledges our SETTINGS)
            assertThat(on(connection, () -> h2.local().flowController().initialWindowSize()))
                    .isEqualTo(4 * HboneSettings.MIB);
            assertThat(on(connection, () -> h2.local().flowController().windowSize(h2.connectionStream())))
                    .isEqualTo(16 * HboneSettings.MIB);
            // what the server lets us send, once its SETTINGS and WINDOW_UPDATE arrived
            assertThat(on(connection, () -> h2.remote().flowController().initialWindowSize()))
                    .isEqualTo(4 * HboneSettings.MIB);
            assertThat(on(connection, () -> h2.remote().flowController().windowSize(h2.connectionStream())))
                    .isEqualTo(16 * HboneSettings.MIB);
            assertThat(on(connection, () -> connection.maxConcurrentStreams())).isEqualTo(200);
        });
    }

    @Test
    void poolRespectsTheServersConcurrentStreamLimit() {
        HboneServer server = bed.server(b -> b.settings(HboneSettings.serverDefaults().withMaxConcurrentStreams(2)));
        HbonePool pool = bed.pool(100, Duration.ofMinutes(5));
        HboneKey key = new HboneKey(TestBed.CLIENT, TestBed.SERVER, server.address());
        String target = ConnectAuthority.format(bed.echoUpstream());
        HboneTunnel first = pool.open(key, target, HboneHeaders.none()).join();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> on(first.connection(), () -> first.connection().maxConcurrentStreams()) == 2);

        List<HboneTunnel> tunnels = new ArrayList<>(List.of(first));
        for (int i = 0; i < 4; i++) {
            tunnels.add(pool.open(key, target, HboneHeaders.none()).join());
        }

        // 5 open tunnels, at most 2 per connection
        assertThat(tunnels.stream().map(HboneTunnel::connection).distinct()).hasSize(3);
    }

    /** HTTP/2 state belongs to the connection's event loop. */
    private static <T> T on(HboneConnection connection, Callable<T> read) throws Exception {
        return connection.eventLoop().submit(read).get();
    }
}
