package io.ambit.echo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The program as the lab starts it, from the module's class path (the test phase runs before the
 * shaded jar exists; {@code EchoJarTest} runs the jar itself in the package phase).
 */
class EchoProcessTest {

    private static final List<String> CLASS_PATH = List.of("-cp", System.getProperty("java.class.path"),
            EchoMain.class.getName());

    @Test
    void printsListeningLinesServesAndExitsZeroOnSigterm() throws Exception {
        try (EchoProcess server = EchoProcess.start(CLASS_PATH, "server", "--pod", "proc-pod", "--bind", "127.0.0.1",
                "--http", "0", "--grpc", "0", "--tcp", "0", "--server-first", "0")) {
            Map<String, String> listening = server.awaitListening();

            assertThat(listening).containsOnlyKeys("http", "grpc", "tcp", "server-first");
            assertThat(listening.values()).allMatch(address -> address.matches("127\\.0\\.0\\.1:\\d+"));
            EchoServerExtension.ClientRun run = EchoServerExtension.client("http://" + listening.get("http") + "/");
            assertThat(run.stdout()).contains("Pod=proc-pod");

            assertThat(server.stop()).isZero();
        }
    }

    @Test
    void badCommandLineExitsTwo() throws Exception {
        try (EchoProcess bad = EchoProcess.start(CLASS_PATH, "server", "--http", "not-a-port")) {
            assertThat(bad.awaitExit()).isEqualTo(2);
        }
    }
}
