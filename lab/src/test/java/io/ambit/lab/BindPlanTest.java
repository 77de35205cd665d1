package io.ambit.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class BindPlanTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void aWildcardBindClashesWithEveryAddressOnItsPort() {
        BindPlan plan = new BindPlan(List.of(
                new BindPlan.Bind("admin-ui", InetAddress.ofLiteral("0.0.0.0"), 1),
                new BindPlan.Bind("echo in pod frontend", InetAddress.ofLiteral("127.244.1.10"), 1)));

        assertThat(plan.problems()).anySatisfy(p -> assertThat(p)
                .isEqualTo("both admin-ui on 0.0.0.0:1 and echo in pod frontend on 127.244.1.10:1"));
    }

    @Test
    void differentLoopbackAddressesShareAPort() throws IOException {
        int port = LabPorts.free();
        BindPlan plan = new BindPlan(List.of(
                new BindPlan.Bind("admin-ui", LOOPBACK, port),
                new BindPlan.Bind("echo in pod frontend", InetAddress.ofLiteral("127.244.1.10"), port)));

        assertThat(plan.problems()).isEmpty();
    }

    @Test
    void aPortAnotherProgramHoldsIsNamedBeforeAnythingStarts() throws IOException {
        try (ServerSocket other = new ServerSocket()) {
            other.bind(new InetSocketAddress(LOOPBACK, 0));
            BindPlan plan = new BindPlan(List.of(new BindPlan.Bind("xds-server (HTTP)", LOOPBACK, other.getLocalPort())));

            assertThatThrownBy(plan::check).isInstanceOf(IOException.class)
                    .hasMessageContaining("xds-server (HTTP) on 127.0.0.1:" + other.getLocalPort() + ": already in use by another program");
        }
    }

    /** The plan: ./mesh up without root, the demo on the host beside the dashboard (waypoints take free ports). */
    @Test
    void theDemoOnTheHostWithItsCompanionsHasNoClash() throws IOException {
        LabSpec spec = LabMain.Demo.spec().onLoopback();
        Map<Integer, int[]> ztunnels = new LinkedHashMap<>();
        ztunnels.put(1, new int[] {15000, 15020, 15021});
        ztunnels.put(2, new int[] {16000, 16020, 16021});
        Lab.Options options = new Lab.Options(Path.of("."), Path.of("runs"), true, List.of())
                .with(Lab.Companion.meshUp()).onTheHost();

        BindPlan plan = Lab.bindPlan(spec, LabPorts.defaults(), ztunnels, options);

        assertThat(plan.binds()).extracting(Object::toString)
                .contains("admin-ui on 127.0.0.1:8080", "echo in pod frontend on 127.244.1.10:8080",
                        "ztunnel node-a for pod frontend on 127.244.1.10:15080", "ztunnel node-b on 127.0.0.1:16021");
        assertThat(plan.binds().stream().filter(a -> plan.binds().stream().anyMatch(b -> a != b && a.clashesWith(b)))).isEmpty();
    }

    @Test
    void anUnknownCompanionIsRefusedWithTheValidNames() {
        assertThatThrownBy(() -> LabMain.companions("admin-ui,dashboard"))
                .hasMessage("--with: unknown service 'dashboard'; choose from [admin-ui]");
    }
}
