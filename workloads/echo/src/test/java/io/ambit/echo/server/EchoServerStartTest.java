package io.ambit.echo.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import io.ambit.echo.EchoException;
import org.junit.jupiter.api.Test;

class EchoServerStartTest {

    @Test
    void listenersAreReportedInOrderWithTheirBoundPorts() throws Exception {
        try (EchoServer server = EchoServer.start(ServerOptions.loopback("p"), AccessLog.NONE)) {
            assertThat(server.listeners()).extracting(EchoServer.Listener::protocol)
                    .containsExactly("http", "grpc", "tcp", "server-first");
            assertThat(server.listeners()).allSatisfy(listener -> {
                assertThat(listener.address().getPort()).isPositive();
                assertThat(listener.toString()).isEqualTo("listening " + listener.protocol() + " 127.0.0.1:"
                        + listener.address().getPort());
            });
        }
    }

    @Test
    void wildcardListenersAreReportedAsAskedFor() throws Exception {
        InetAddress any4 = InetAddress.ofLiteral("0.0.0.0");
        InetAddress any6 = InetAddress.ofLiteral("::");
        InetAddress loopback = InetAddress.getLoopbackAddress();

        assertThat(EchoServer.reported(any4, new java.net.InetSocketAddress(any6, 8080)))
                .isEqualTo(new java.net.InetSocketAddress(any4, 8080));
        assertThat(new EchoServer.Listener("http", EchoServer.reported(any4, new java.net.InetSocketAddress(any6, 8080))))
                .hasToString("listening http 0.0.0.0:8080");
        assertThat(EchoServer.reported(loopback, new java.net.InetSocketAddress(loopback, 9090)))
                .isEqualTo(new java.net.InetSocketAddress(loopback, 9090));
    }

    @Test
    void aPortInUseStopsStartUpAndNamesTheListener() throws Exception {
        try (EchoServer first = EchoServer.start(ServerOptions.loopback("p"), AccessLog.NONE)) {
            int taken = first.address("tcp").getPort();
            ServerOptions clash = new ServerOptions("q", "v1", 0, 0, taken, 0, InetAddress.getLoopbackAddress(), false);

            assertThatThrownBy(() -> EchoServer.start(clash, AccessLog.NONE))
                    .isInstanceOf(EchoException.Startup.class)
                    .hasMessageStartingWith("cannot listen for tcp on 127.0.0.1:" + taken + ": ")
                    .hasMessageContaining("--tcp");
        }
    }

    @Test
    void aGrpcPortInUseStopsStartUpToo() throws Exception {
        try (EchoServer first = EchoServer.start(ServerOptions.loopback("p"), AccessLog.NONE)) {
            int taken = first.address("grpc").getPort();
            ServerOptions clash = new ServerOptions("q", "v1", 0, taken, 0, 0, InetAddress.getLoopbackAddress(), false);

            assertThatThrownBy(() -> EchoServer.start(clash, AccessLog.NONE))
                    .isInstanceOf(EchoException.Startup.class)
                    .hasMessageStartingWith("cannot listen for grpc on 127.0.0.1:" + taken + ": ");
        }
    }

    @Test
    void optionsComeFromFlagsThenEnvironment() throws Exception {
        ServerOptions fromEnv = ServerOptions.parse(new String[0], java.util.Map.of("POD_NAME", "env-pod",
                "SERVICE_VERSION", "v3"));
        assertThat(fromEnv.pod()).isEqualTo("env-pod");
        assertThat(fromEnv.serviceVersion()).isEqualTo("v3");
        assertThat(fromEnv).extracting(ServerOptions::httpPort, ServerOptions::grpcPort, ServerOptions::tcpPort,
                ServerOptions::serverFirstPort).containsExactly(8080, 7070, 9090, 9091);
        assertThat(fromEnv.bind().getHostAddress()).isEqualTo("0.0.0.0");

        ServerOptions fromFlags = ServerOptions.parse(new String[] {"--pod", "flag-pod", "--http", "0", "--bind", "::1"},
                java.util.Map.of("POD_NAME", "env-pod"));
        assertThat(fromFlags.pod()).isEqualTo("flag-pod");
        assertThat(fromFlags.httpPort()).isZero();

        assertThat(ServerOptions.parse(new String[0], java.util.Map.of()).pod()).isNotBlank();
        assertThatThrownBy(() -> ServerOptions.parse(new String[] {"--http", "70000"}, java.util.Map.of()))
                .hasMessageContaining("--http must be a port");
        assertThatThrownBy(() -> ServerOptions.parse(new String[] {"--bind", "my-host"}, java.util.Map.of()))
                .hasMessageContaining("does no DNS");
    }
}
