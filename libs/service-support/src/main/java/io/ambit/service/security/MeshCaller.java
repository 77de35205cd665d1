package io.ambit.service.security;

import java.util.Optional;

/**
 * Who a credential proves: an operator with role {@code admin} or {@code viewer}, or a
 * control-plane service with a SPIFFE identity and no role.
 *
 * @param name           {@code admin}, {@code viewer}, or the service's SPIFFE ID
 * @param role           {@code admin} / {@code viewer}; empty for a service identity
 * @param serviceAccount the service's account in the mesh namespace; empty for an operator
 */
public record MeshCaller(String name, Optional<String> role, Optional<String> serviceAccount) {

    public static final String ADMIN = "admin";
    public static final String VIEWER = "viewer";

    static MeshCaller admin() {
        return new MeshCaller(ADMIN, Optional.of(ADMIN), Optional.empty());
    }

    static MeshCaller viewer() {
        return new MeshCaller(VIEWER, Optional.of(VIEWER), Optional.empty());
    }

    static MeshCaller service(String spiffeId, String serviceAccount) {
        return new MeshCaller(spiffeId, Optional.empty(), Optional.of(serviceAccount));
    }

    public boolean isAdmin() {
        return role.filter(ADMIN::equals).isPresent();
    }

    /** Whether the caller's role meets {@code access}: admin includes viewer. */
    public boolean has(Access access) {
        return switch (access) {
            case OPEN -> true;
            case VIEWER -> role.isPresent();
            case ADMIN -> isAdmin();
        };
    }
}
