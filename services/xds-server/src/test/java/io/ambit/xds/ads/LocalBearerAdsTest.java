package io.ambit.xds.ads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.ambit.xds.identity.LocalNodeTokenAuthenticator;
import io.ambit.xds.state.XdsState;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer-only ADS in local mode, as Istio's ztunnel connects (TLS, no client certificate, independent
 * grpc-java stubs): a node's bootstrap token, the owner-only file the CA reads too, gets the node
 * agent's view; anything else is refused with the reason and gets nothing.
 */
class LocalBearerAdsTest {

    static final String NODE_A_TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    @TempDir
    Path files;
    AdsTestBench bench;

    @BeforeEach
    void start() throws Exception {
        bench = new AdsTestBench(DeltaAdsTest.MESH + "---\n" + DeltaAdsTest.pod("echo-1", "10.244.1.5"));
        bench.server.stop();
        bench.startServer(0, new LocalNodeTokenAuthenticator(Map.of("node-a", ownerOnly("node-a", NODE_A_TOKEN + "\n"),
                "node-b", ownerOnly("node-b", "1f1e2d3c4b5a69788796a5b4c3d2e1f0")), AdsTestBench.TD, "istio-system"));
    }

    @AfterEach
    void close() throws Exception {
        bench.close();
    }

    @Test
    void aNodeBootstrapTokenWithoutACertificateGetsTheNodeAgentsView() throws Exception {
        ManagedChannel channel = BearerTokenAdsTest.tlsChannel(bench);
        try {
            AdsTestBench.RawStream stream = BearerTokenAdsTest.stream(channel, NODE_A_TOKEN);
            stream.send(BearerTokenAdsTest.firstRequest());
            DeltaDiscoveryResponse response = stream.next();
            assertThat(response.getTypeUrl()).isEqualTo(XdsState.ADDRESS_TYPE);
            assertThat(response.getResourcesList()).extracting(r -> r.getName())
                    .containsExactlyInAnyOrderElementsOf(bench.state.current().of(XdsState.ADDRESS_TYPE).keySet());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void unknownMissingAndHostileTokensAreRefused() throws Exception {
        assertRefused("0f1e2d3c4b5a69788796a5b4c3d2e1f1", "not a known node bootstrap token");
        assertRefused(NODE_A_TOKEN.substring(1), "not a known node bootstrap token");
        assertRefused("x".repeat(7_000), "longer than");
        assertRefused(null, "a client certificate with a SPIFFE ID, or an authorization: Bearer token, is required");
    }

    @Test
    void tokenFilesOpenToOthersEmptyOrSharedStopStartUp() throws Exception {
        Path open = files.resolve("open");
        Files.writeString(open, NODE_A_TOKEN);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> new LocalNodeTokenAuthenticator(Map.of("node-a", open), AdsTestBench.TD, "istio-system"))
                .hasMessageContaining("open to others");
        assertThatThrownBy(() -> new LocalNodeTokenAuthenticator(Map.of("node-a", ownerOnly("empty", " \n")), AdsTestBench.TD, "istio-system"))
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> new LocalNodeTokenAuthenticator(new java.util.TreeMap<>(Map.of("node-a", ownerOnly("a2", NODE_A_TOKEN),
                "node-b", ownerOnly("b2", NODE_A_TOKEN))), AdsTestBench.TD, "istio-system"))
                .hasMessageContaining("is another node's too");
    }

    private void assertRefused(String token, String reason) throws Exception {
        ManagedChannel channel = BearerTokenAdsTest.tlsChannel(bench);
        try {
            AdsTestBench.RawStream stream = BearerTokenAdsTest.stream(channel, token);
            stream.send(BearerTokenAdsTest.firstRequest());
            await().atMost(Duration.ofSeconds(10)).until(() -> stream.closedWith != null);
            assertThat(stream.closedWith.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(stream.closedWith.getDescription()).contains(reason);
            assertThat(stream.responses).isEmpty();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private Path ownerOnly(String name, String content) throws Exception {
        Path file = files.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
