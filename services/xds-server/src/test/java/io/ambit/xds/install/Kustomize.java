package io.ambit.xds.install;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.ambit.testkit.KubernetesManifests;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * {@code kubectl kustomize}, as {@code kubectl apply -k} renders before it applies. Tests that need
 * it skip, with the reason printed, where kubectl is not installed (CI installs Debian's
 * {@code kubernetes-client}).
 */
final class Kustomize {

    static final Path REPO = Path.of("../..").toAbsolutePath().normalize();
    static final List<String> OVERLAYS = List.of("default", "dev");

    private Kustomize() {
    }

    static Optional<Path> kubectl() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static Path requireKubectl() {
        Optional<Path> kubectl = kubectl();
        if (kubectl.isEmpty()) {
            System.out.println("SKIPPED: kubectl is not on PATH (Debian package kubernetes-client); the kustomize checks need it");
        }
        assumeTrue(kubectl.isPresent(), "kubectl is not on PATH (Debian package kubernetes-client)");
        return kubectl.get();
    }

    /** The YAML {@code kubectl kustomize <dir>} prints, or an error with kubectl's own message. */
    static String render(Path dir) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(requireKubectl().toString(), "kustomize", dir.toString())
                .redirectErrorStream(false).start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError("kubectl kustomize " + dir + " failed: " + new String(err, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    static List<HasMetadata> objects(Path dir) throws IOException, InterruptedException {
        Path file = Files.createTempFile("ambit-kustomize-", ".yaml");
        try {
            Files.writeString(file, render(dir));
            return new ArrayList<>(KubernetesManifests.load(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
