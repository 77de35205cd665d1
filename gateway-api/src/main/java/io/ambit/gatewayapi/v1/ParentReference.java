package io.ambit.gatewayapi.v1;

/**
 * {@code parentRefs[]}: a Gateway (default kind) or, for GAMMA mesh routes, a Service.
 * {@code group} defaults to {@code gateway.networking.k8s.io} and {@code kind} to {@code Gateway}.
 */
public record ParentReference(String group, String kind, String namespace, String name, String sectionName, Integer port) {

    public ParentReference {
        Checks.required(name, "name");
        Checks.port(port, "port");
    }

    public String groupOrDefault() {
        return group == null ? GatewayApi.GROUP : group;
    }

    public String kindOrDefault() {
        return kind == null ? "Gateway" : kind;
    }

    /** A Service parent (GAMMA): core group, kind Service. */
    public boolean isService() {
        return "Service".equals(kind) && (group == null || group.isEmpty());
    }
}
