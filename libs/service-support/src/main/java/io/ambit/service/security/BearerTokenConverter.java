package io.ambit.service.security;

import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code Authorization: Bearer <token>} (RFC 6750 §2.1; the scheme is case-insensitive). No header:
 * no authentication, so a protected endpoint answers 401; any other scheme or an empty token: 401
 * at once, naming what was wrong.
 */
final class BearerTokenConverter implements ServerAuthenticationConverter {

    private static final String SCHEME = "Bearer ";

    @Override
    public Mono<Authentication> convert(ServerWebExchange exchange) {
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return Mono.empty();
        }
        if (!header.regionMatches(true, 0, SCHEME, 0, SCHEME.length()) || header.substring(SCHEME.length()).isBlank()) {
            return Mono.error(new BadCredentialsException("the Authorization header must be 'Bearer <token>'"));
        }
        return Mono.just(MeshAuthentication.unverified(header.substring(SCHEME.length()).strip()));
    }
}
