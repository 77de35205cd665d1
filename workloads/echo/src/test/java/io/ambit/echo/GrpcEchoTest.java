package io.ambit.echo;

import static org.assertj.core.api.Assertions.assertThat;

import io.ambit.echo.EchoServerExtension.ClientRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code EchoService/Echo} through the echo client. */
class GrpcEchoTest {

    @RegisterExtension
    static final EchoServerExtension echo = new EchoServerExtension("echo-grpc-0");

    @Test
    void echoReturnsTheMessageThePodThePeerAndTheMetadata() throws Exception {
        ClientRun run = EchoServerExtension.client(echo.hostPort("grpc"), "--protocol", "grpc",
                "--message", "hi there", "--header", "x-trace=t1", "--count", "2");

        assertThat(run.exitCode()).isZero();
        assertThat(run.summary()).isEqualTo("ok=2 failed=0");
        assertThat(run.blocks()).hasSize(2).allSatisfy(block -> assertThat(block.lines().toList())
                .startsWith("Message=hi there", "Pod=echo-grpc-0")
                .contains("Metadata=x-trace:t1")
                .anySatisfy(line -> assertThat(line).matches("RemoteAddr=127\\.0\\.0\\.1:\\d+"))
                .anySatisfy(line -> assertThat(line).startsWith("Metadata=user-agent:grpc-java")));
    }

    @Test
    void grpcSchemeSelectsTheProtocol() throws Exception {
        ClientRun run = EchoServerExtension.client("grpc://" + echo.hostPort("grpc"));

        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).startsWith("Message=hello\nPod=echo-grpc-0\n");
    }

    @Test
    void grpcToAnHttpOnlyPortFails() throws Exception {
        ClientRun run = EchoServerExtension.client(echo.hostPort("tcp"), "--protocol", "grpc", "--timeout", "2s");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stdout()).startsWith("ERROR grpc ").endsWith("ok=0 failed=1\n");
    }
}
