package io.ambit.proxyless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;

import io.ambit.echo.proto.EchoRequest;
import io.ambit.echo.proto.EchoResponse;
import io.ambit.echo.proto.EchoServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Waiting for READY before counting, and the count itself, against a real gRPC server on port 0. */
class ChannelReadyTest {

    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(new EchoServiceGrpc.EchoServiceImplBase() {
                    @Override
                    public void echo(EchoRequest request, StreamObserver<EchoResponse> responses) {
                        responses.onNext(EchoResponse.newBuilder().setPod("backend-1").build());
                        responses.onCompleted();
                    }
                }).build().start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
        }
        server.shutdownNow().awaitTermination();
    }

    @Test
    void readyBeforeTheFirstCallThenEveryCallCounted() throws Exception {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        Duration took = ChannelReady.await(channel, Duration.ofSeconds(30));
        assertThat(took).isPositive();
        assertThat(channel.getState(false)).hasToString("READY");

        SplitCount count = SplitCount.call(channel, 20);
        assertThat(count.byPod()).containsExactly(java.util.Map.entry("backend-1", 20));
        assertThat(count.failed()).isZero();
        assertThat(count.summary()).startsWith("backend-1 20 (ok=20 failed=0)");
    }

    @Test
    void aTargetThatNeverConnectsIsNamedWithItsState() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        channel = NettyChannelBuilder.forAddress("127.0.0.1", closed).usePlaintext().build();
        assertThatThrownBy(() -> ChannelReady.await(channel, Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not READY after 2 s").hasMessageMatching(".*still (CONNECTING|TRANSIENT_FAILURE|IDLE).*");
    }

    @Test
    void aShutDownChannelIsNotWaitedFor() {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        channel.shutdownNow();
        assertThatThrownBy(() -> ChannelReady.await(channel, Duration.ofSeconds(30))).hasMessageContaining("shut down");
    }

    @Test
    void slowCallsAreListedInTheSummary() {
        SplitCount count = new SplitCount(java.util.Map.of("backend-1", 9, "backend-2", 1), java.util.Map.of("DEADLINE_EXCEEDED: x", 1),
                java.util.List.of("call 7 took 10003 ms (DEADLINE_EXCEEDED: x)"));
        assertThat(count.summary()).isEqualTo("backend-1 9, backend-2 1 (ok=10 failed=1)\n  failed 1x: DEADLINE_EXCEEDED: x"
                + "\n  slow: call 7 took 10003 ms (DEADLINE_EXCEEDED: x)");
    }
}
