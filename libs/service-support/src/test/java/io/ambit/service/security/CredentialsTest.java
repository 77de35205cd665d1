package io.ambit.service.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

/** Where credentials may come from, and what is refused before a service starts. */
class CredentialsTest {

    @TempDir
    Path dir;

    private Path tokenFile(String name, String token, String permissions) throws Exception {
        Path file = Files.writeString(dir.resolve(name), token);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        return file;
    }

    private static MeshSecurityProperties properties(MeshSecurityProperties.Credential admin, MeshSecurityProperties.Credential viewer,
            Map<String, MeshSecurityProperties.Credential> services) {
        return new MeshSecurityProperties(admin, viewer, services, "cluster.local", "istio-system", true);
    }

    @Test
    void tokensFromOwnerOnlyFilesOrTheEnvironmentProveTheirCaller() throws Exception {
        BearerTokens tokens = BearerTokens.load(properties(
                new MeshSecurityProperties.Credential(tokenFile("admin", "  admin-token-0123456789\n", "rw-------"), null),
                new MeshSecurityProperties.Credential(null, "viewer-token-0123456789"),
                Map.of("ca-service", new MeshSecurityProperties.Credential(tokenFile("ca", "ca-token-0123456789", "r--------"), null))));
        assertThat(tokens.authenticate("admin-token-0123456789")).hasValueSatisfying(c -> assertThat(c.isAdmin()).isTrue());
        assertThat(tokens.authenticate("viewer-token-0123456789")).hasValueSatisfying(c -> {
            assertThat(c.has(Access.VIEWER)).isTrue();
            assertThat(c.has(Access.ADMIN)).isFalse();
        });
        assertThat(tokens.authenticate("ca-token-0123456789")).hasValueSatisfying(c -> {
            assertThat(c.name()).isEqualTo("spiffe://cluster.local/ns/istio-system/sa/ca-service");
            assertThat(c.has(Access.VIEWER)).isFalse();
        });
        assertThat(tokens.authenticate("admin-token-012345678")).isEmpty();
        assertThat(tokens.authenticate("")).isEmpty();
    }

    @Test
    void aTokenFileOthersCanReadIsRefusedWithTheFix() throws Exception {
        Path open = tokenFile("admin", "admin-token-0123456789", "rw-r--r--");
        assertThatThrownBy(() -> BearerTokens.load(properties(new MeshSecurityProperties.Credential(open, null),
                new MeshSecurityProperties.Credential(null, null), Map.of())))
                .hasMessageContaining("is open to others (rw-r--r--)").hasMessageContaining("chmod 600 " + open);
    }

    @Test
    void aShortOrSharedTokenIsRefused() {
        assertThatThrownBy(() -> BearerTokens.load(properties(new MeshSecurityProperties.Credential(null, "short"),
                new MeshSecurityProperties.Credential(null, null), Map.of()))).hasMessageContaining("at least 16 characters");
        assertThatThrownBy(() -> BearerTokens.load(properties(new MeshSecurityProperties.Credential(null, "same-token-0123456789"),
                new MeshSecurityProperties.Credential(null, "same-token-0123456789"), Map.of()))).hasMessageContaining("the same token");
    }

    @Test
    void noTokenFileMeansNoCallerNotAnOpenDoor() {
        BearerTokens tokens = BearerTokens.load(properties(new MeshSecurityProperties.Credential(dir.resolve("missing"), null),
                new MeshSecurityProperties.Credential(dir.resolve("missing-too"), null), Map.of()));
        assertThat(tokens.size()).isZero();
        assertThat(tokens.authenticate("anything-at-all-0123")).isEmpty();
    }

    @Test
    void aTokenFileWrittenOrRotatedAfterStartAppliesAndABadChangeKeepsTheLastGoodTokens() throws Exception {
        Path admin = dir.resolve("admin");
        BearerTokens tokens = BearerTokens.load(properties(new MeshSecurityProperties.Credential(admin, null),
                new MeshSecurityProperties.Credential(dir.resolve("viewer"), null), Map.of()));
        assertThat(tokens.authenticate("first-admin-token-0123")).isEmpty();

        tokenFile("admin", "first-admin-token-0123", "rw-------");
        await().atMost(Duration.ofSeconds(10)).until(() -> tokens.authenticate("first-admin-token-0123").isPresent());

        Path next = tokenFile("admin.next", "second-admin-token-0123", "rw-------");
        Files.move(next, admin, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(10)).until(() -> tokens.authenticate("second-admin-token-0123").isPresent());
        assertThat(tokens.authenticate("first-admin-token-0123")).isEmpty();

        Files.setPosixFilePermissions(admin, PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(admin, "third-admin-token-0123456");
        // refused (open to others): the second token stays in force, the third never works
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(10))
                .until(() -> tokens.authenticate("second-admin-token-0123").isPresent()
                        && tokens.authenticate("third-admin-token-0123456").isEmpty());
    }

    @Test
    void aSecretOnTheCommandLineStopsStartUpAndAFileDoesNot() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource(
                "--ambit.ca.local.node-tokens.node-a=abc", "--ambit.security.admin.token=xyz", "--server.port=1"));
        assertThatThrownBy(() -> new SecretsOffCommandLine().postProcessEnvironment(environment, new SpringApplication()))
                .hasMessageContaining("ambit.ca.local.node-tokens.node-a").hasMessageContaining("ambit.security.admin.token")
                .hasMessageNotContaining("abc").hasMessageNotContaining("xyz");

        StandardEnvironment files = new StandardEnvironment();
        files.getPropertySources().addFirst(new SimpleCommandLinePropertySource("--ambit.ca.local.node-token-files.node-a=/t/a",
                "--ambit.ztunnel.token-file=/t/b", "--ambit.security.admin.token-file=/t/c", "--ambit.xds.identity.key-file=/k"));
        new SecretsOffCommandLine().postProcessEnvironment(files, new SpringApplication());
    }
}
