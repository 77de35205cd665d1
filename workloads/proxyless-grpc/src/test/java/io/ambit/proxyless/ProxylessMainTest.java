package io.ambit.proxyless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxylessMainTest {

    static final String TARGET = "xds:///backend.demo.svc.cluster.local:7070";

    @Test
    void defaultsAreMeshUpsPortsAndTheDemoFrontend() {
        ProxylessMain.Options o = ProxylessMain.Options.parse(new String[] {TARGET});
        assertThat(o.namespace()).isEqualTo("demo");
        assertThat(o.pod()).isEqualTo("frontend");
        assertThat(o.count()).isEqualTo(1000);
        assertThat(o.xds()).isEqualTo("127.0.0.1:15010");
        assertThat(o.ca().getPort()).isEqualTo(15012);
        assertThat(o.store().toString()).isEqualTo("http://127.0.0.1:15011");
        assertThat(o.target()).isEqualTo(TARGET);
    }

    @Test
    void optionsOverrideTheDefaults() {
        ProxylessMain.Options o = ProxylessMain.Options.parse(new String[] {"--pod", "shop/cart", "--count", "7", "--xds", "10.0.0.1:15012",
                "--state", "/tmp/s", TARGET});
        assertThat(o.namespace()).isEqualTo("shop");
        assertThat(o.pod()).isEqualTo("cart");
        assertThat(o.count()).isEqualTo(7);
        assertThat(o.xds()).isEqualTo("10.0.0.1:15012");
        assertThat(o.state()).isEqualTo(Path.of("/tmp/s"));
    }

    @Test
    void refusesABadCommandLineByName() {
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {})).hasMessageContaining("xds:///<host>:<port>");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {"dns:///backend:7070"})).hasMessageContaining("xds:///");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {"xds:///"})).hasMessageContaining("xds:///");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {"--pod", "frontend", TARGET})).hasMessageContaining("NAMESPACE/NAME");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {"--pod", "/x", TARGET})).hasMessageContaining("NAMESPACE/NAME");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {"--count", "0", TARGET})).hasMessageContaining("--count");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {"--count", "9".repeat(40), TARGET})).hasMessageContaining("--count");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {"--xds", "nowhere", TARGET})).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {"--xds", "h:99999", TARGET})).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {"--store", "file:///etc/passwd", TARGET})).hasMessageContaining("--store");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {"--frobnicate", TARGET})).hasMessageContaining("--frobnicate");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {TARGET, TARGET})).hasMessageContaining("unexpected");
        assertThatThrownBy(() -> ProxylessMain.Options.parse(new String[] {TARGET, "--count"})).hasMessageContaining("--count needs a value");
    }

    @Test
    void aBadCommandLineExitsTwoWithUsage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ProxylessMain.run(new String[] {"--count", "x", TARGET}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--count wants a number").contains("usage: proxyless-grpc");
    }

    @Test
    void aStoreThatIsNotRunningIsNamed(@TempDir Path state) throws Exception {
        java.nio.file.Files.createDirectories(state.resolve("tokens"));
        java.nio.file.Files.writeString(state.resolve("tokens/admin"), "t");
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ProxylessMain.run(new String[] {"--state", state.toString(), "--store", "http://127.0.0.1:" + closedPort, TARGET},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot reach the store at http://127.0.0.1:" + closedPort)
                .contains("./mesh up");
    }

    @Test
    void withoutARunningMeshItSaysWhereTheTokenWasLookedFor(@TempDir Path state) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ProxylessMain.run(new String[] {"--state", state.toString(), TARGET}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no token at " + state.resolve("tokens/admin")).contains("./mesh up");
    }
}
