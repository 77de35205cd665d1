package io.ambit.netns.topology;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad arguments are refused before any command runs (so these need no root). */
class TopologyArgumentsTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "Ambt-", "ambt", "a/b-", "ambt-lab-toolong-", "ambt lab-"})
    void prefixesThatCouldNotNameANamespaceAreRefused(String prefix) {
        assertThatThrownBy(() -> Topology.create(prefix, "10.244", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefix");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10", "10.244.1", "300.1", "10.x", "10.244; rm"})
    void podNetworksThatAreNotTwoOctetsAreRefused(String network) {
        assertThatThrownBy(() -> Topology.create("ambt-t-", network, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("podNetwork");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 251})
    void nodeCountsOutOfRangeAreRefused(int nodes) {
        assertThatThrownBy(() -> Topology.create("ambt-t-", "10.244", nodes)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nodes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"frob ambt-t-", "down", "up ambt-t- 10.244", "up ambt-t- 10.244 x", "up ambt-t- 10.244 1 a:1",
            "up ambt-t- 10.244 1 a:1:10.244.1.999x", "down ambt-t- extra"})
    void theCommandLineNamesWhatIsWrong(String line) {
        assertThatThrownBy(() -> TopologyMain.run(List.of(line.split(" ")))).isInstanceOf(IllegalArgumentException.class);
    }
}
