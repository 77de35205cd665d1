package io.ambit.gatewayapi.istio.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The CRDs kustomize installs ({@code k8s/base/crds}) are the ones fabric8's generator makes from
 * this package at build time ({@code target/crds}): a field added to a spec model without
 * regenerating fails here. To update: {@code mvn -pl gateway-api process-classes} and copy
 * {@code gateway-api/target/crds/*.yml} to {@code k8s/base/crds/}.
 */
class CrdsTest {

    static final Path GENERATED = Path.of("target/crds");
    static final Path COMMITTED = Path.of("../k8s/base/crds");

    @Test
    void committedCrdsAreTheGeneratedOnes() throws IOException {
        List<String> generated = names(GENERATED);
        assertThat(generated).as("generated CRDs").containsExactlyInAnyOrder(
                "authorizationpolicies.security.istio.io-v1.yml", "peerauthentications.security.istio.io-v1.yml",
                "serviceentries.networking.istio.io-v1.yml", "workloadentries.networking.istio.io-v1.yml",
                "virtualservices.networking.istio.io-v1.yml", "destinationrules.networking.istio.io-v1.yml");
        assertThat(names(COMMITTED)).as("k8s/base/crds").containsExactlyInAnyOrderElementsOf(generated);
        for (String name : generated) {
            assertThat(Files.readString(COMMITTED.resolve(name)))
                    .as("k8s/base/crds/%s differs from the generated one: copy gateway-api/target/crds/%s", name, name)
                    .isEqualTo(Files.readString(GENERATED.resolve(name)));
        }
    }

    @Test
    void kustomizationListsEveryCrd() throws IOException {
        String kustomization = Files.readString(COMMITTED.resolveSibling("kustomization.yaml"));
        for (String name : names(GENERATED)) {
            assertThat(kustomization).contains("crds/" + name);
        }
    }

    @Test
    void schemasCarryTheModelsFieldsAndEnums() throws IOException {
        String ap = Files.readString(GENERATED.resolve("authorizationpolicies.security.istio.io-v1.yml"));
        assertThat(ap).contains("notRemoteIpBlocks", "targetRefs", "\"CUSTOM\"", "status: {}");
        String se = Files.readString(GENERATED.resolve("serviceentries.networking.istio.io-v1.yml"));
        assertThat(se).contains("subjectAltNames", "workloadSelector", "\"DNS_ROUND_ROBIN\"", "\"MESH_INTERNAL\"");
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")).sorted().toList();
        }
    }
}
