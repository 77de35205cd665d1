package io.ambit.service.security;

import java.util.List;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A bearer token on its way through Spring Security: first unauthenticated (only the token), then
 * authenticated with the {@link MeshCaller} it proved. Authorities mirror the role
 * ({@code ROLE_ADMIN} also carries {@code ROLE_VIEWER}) for code that asks Spring the usual way.
 */
final class MeshAuthentication extends AbstractAuthenticationToken {

    private final transient MeshCaller caller;
    private final String token;

    private MeshAuthentication(MeshCaller caller, String token) {
        super(caller == null ? List.of() : authorities(caller));
        this.caller = caller;
        this.token = token;
        setAuthenticated(caller != null);
    }

    static MeshAuthentication unverified(String token) {
        return new MeshAuthentication(null, token);
    }

    static MeshAuthentication of(MeshCaller caller) {
        return new MeshAuthentication(caller, null);
    }

    private static List<SimpleGrantedAuthority> authorities(MeshCaller caller) {
        if (caller.isAdmin()) {
            return List.of(new SimpleGrantedAuthority("ROLE_ADMIN"), new SimpleGrantedAuthority("ROLE_VIEWER"));
        }
        return caller.role().map(r -> List.of(new SimpleGrantedAuthority("ROLE_VIEWER"))).orElse(List.of());
    }

    @Override
    public Object getCredentials() {
        return token;
    }

    @Override
    public MeshCaller getPrincipal() {
        return caller;
    }

    @Override
    public String getName() {
        return caller == null ? "" : caller.name();
    }
}
