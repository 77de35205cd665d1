package io.ambit.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * {@code java -jar target/echo.jar}: server and client from the shaded jar (main class in the
 * manifest, gRPC's service files merged). The module runs this in the package phase, after
 * shading; in the test phase it is skipped.
 */
class EchoJarTest {

    private static final Path JAR = Path.of("target", "echo.jar");

    @Test
    void shadedJarServesAndItsClientReaches() throws Exception {
        assumeTrue(Files.isRegularFile(JAR), "target/echo.jar is built in the package phase");
        List<String> jar = List.of("-jar", JAR.toString());
        try (EchoProcess server = EchoProcess.start(jar, "server", "--pod", "jar-pod", "--bind", "127.0.0.1",
                "--http", "0", "--grpc", "0", "--tcp", "0", "--server-first", "0")) {
            Map<String, String> listening = server.awaitListening();

            try (EchoProcess client = EchoProcess.start(jar, "client", listening.get("grpc"), "--protocol", "grpc")) {
                assertThat(client.awaitExit()).isZero();
                client.awaitLine("ok=1 failed=0");
                assertThat(client.stdout()).contains("Pod=jar-pod");
            }
            try (EchoProcess client = EchoProcess.start(jar, "client", "http://" + listening.get("http") + "/",
                    "--protocol", "h2c")) {
                assertThat(client.awaitExit()).isZero();
                client.awaitLine("ok=1 failed=0");
                assertThat(client.stdout()).contains("Pod=jar-pod", "Proto=HTTP/2.0");
            }
            assertThat(server.stop()).isZero();
        }
    }
}
