package io.ambit.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The credentials a service's boot test runs with, written as a service reads them in local mode:
 * owner-only files in an owner-only directory, named by {@code ambit.security.*}. One set per JVM
 * (the files are deleted when it exits).
 */
public final class TestTokens {

    public static final String ADMIN = "admin-token-for-tests-0000000001";
    public static final String VIEWER = "viewer-token-for-tests-000000001";
    /** Proves {@code spiffe://cluster.local/ns/istio-system/sa/ca-service} (a control-plane caller). */
    public static final String CA_SERVICE = "ca-service-token-for-tests-00001";
    /** Well formed, long enough, and known to no service. */
    public static final String WRONG = "wrong-token-for-tests-00000000001";

    private static final Path DIRECTORY = write();

    private TestTokens() {
    }

    private static Path write() {
        try {
            Path dir = Files.createTempDirectory("ambit-tokens", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            dir.toFile().deleteOnExit();
            file(dir, "admin", ADMIN);
            file(dir, "viewer", VIEWER);
            file(dir, "ca-service", CA_SERVICE);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void file(Path dir, String name, String token) throws IOException {
        Path file = Files.createFile(dir.resolve(name), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, token + "\n");
        file.toFile().deleteOnExit();
    }

    /** Where the token of {@code name} (admin, viewer, ca-service) is. */
    public static Path file(String name) {
        return DIRECTORY.resolve(name);
    }

    /** Admin and viewer, and ca-service as a service identity. */
    public static void register(DynamicPropertyRegistry registry) {
        registry.add("ambit.security.admin.token-file", () -> file("admin").toString());
        registry.add("ambit.security.viewer.token-file", () -> file("viewer").toString());
        registry.add("ambit.security.services.ca-service.token-file", () -> file("ca-service").toString());
    }
}
