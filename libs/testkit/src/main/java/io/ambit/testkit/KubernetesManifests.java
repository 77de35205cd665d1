package io.ambit.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;

/** Reads a multi-document manifest file into fabric8's model, as {@code kubectl apply -f} would parse it. */
public final class KubernetesManifests {

    private KubernetesManifests() {
    }

    public static List<HasMetadata> load(Path file) throws IOException {
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : Files.readString(file).split("(?m)^---\\s*$")) {
            if (!document.replaceAll("(?m)^#.*$", "").isBlank()) {
                objects.add(Serialization.unmarshal(document));
            }
        }
        return objects;
    }
}
