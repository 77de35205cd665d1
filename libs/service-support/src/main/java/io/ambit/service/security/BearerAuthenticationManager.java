package io.ambit.service.security;

import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.core.Authentication;
import reactor.core.publisher.Mono;

/** Turns a presented token into the {@link MeshCaller} it proves, or refuses it; a verified certificate's caller passes. */
final class BearerAuthenticationManager implements ReactiveAuthenticationManager {

    private final BearerTokens tokens;

    BearerAuthenticationManager(BearerTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public Mono<Authentication> authenticate(Authentication authentication) {
        if (authentication instanceof MeshAuthentication proven && proven.isAuthenticated()) {
            return Mono.just(proven); // a client certificate the TLS handshake verified
        }
        if (!(authentication.getCredentials() instanceof String token)) {
            return Mono.error(new BadCredentialsException("a bearer token is required"));
        }
        return tokens.authenticate(token)
                .<Mono<Authentication>>map(caller -> Mono.just(MeshAuthentication.of(caller)))
                .orElseGet(() -> Mono.error(new BadCredentialsException("the bearer token is not valid for this service")));
    }
}
