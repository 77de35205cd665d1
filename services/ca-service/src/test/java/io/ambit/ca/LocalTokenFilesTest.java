package io.ambit.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local mode's bootstrap credentials by file (what ./mesh up and the lab give), never on the command line. */
class LocalTokenFilesTest {

    @TempDir
    Path dir;

    private Path file(String name, String token, String permissions) throws Exception {
        Path file = Files.writeString(dir.resolve(name), token + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }

    private static CaProperties.Local local(Map<String, String> nodeTokens, Map<String, Path> nodeTokenFiles) {
        return new CaProperties.Local(nodeTokens, nodeTokenFiles, Path.of("config/local"), Map.of(), Map.of(), "", null, "xds-server");
    }

    @Test
    void nodeTokensComeFromOwnerOnlyFilesBesideTheEnvironmentOnes() throws Exception {
        CaProperties.Local local = local(Map.of("node-b", "node-b-token-0123456789"),
                Map.of("node-a", file("node-a", "node-a-token-0123456789", "rw-------")));
        assertThat(local.allNodeTokens()).containsExactly(Map.entry("node-a", "node-a-token-0123456789"),
                Map.entry("node-b", "node-b-token-0123456789"));
    }

    @Test
    void aFileOthersCanReadOrANodeGivenTwiceIsRefused() throws Exception {
        Path open = file("node-a", "node-a-token-0123456789", "rw-r-----");
        assertThatThrownBy(() -> local(Map.of(), Map.of("node-a", open)).allNodeTokens())
                .hasMessageContaining("node node-a token file").hasMessageContaining("chmod 600");
        Path closed = file("node-c", "node-c-token-0123456789", "rw-------");
        assertThatThrownBy(() -> local(Map.of("node-c", "another-token-0123456789"), Map.of("node-c", closed)).allNodeTokens())
                .hasMessageContaining("node node-c has both a token and a token file");
    }
}
