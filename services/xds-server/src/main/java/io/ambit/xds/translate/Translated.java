package io.ambit.xds.translate;

import java.util.List;

/**
 * What one translator produced from one {@link MeshInputs}: the resources to serve, and the
 * findings about objects it skipped or changed. A bad object never stops the rest.
 */
public record Translated<T>(List<T> resources, List<Finding> findings) {

    public Translated {
        resources = List.copyOf(resources);
        findings = List.copyOf(findings);
    }
}
