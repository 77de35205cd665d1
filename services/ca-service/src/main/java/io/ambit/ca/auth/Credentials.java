package io.ambit.ca.auth;

import java.util.Optional;

import javax.net.ssl.SSLSession;

/**
 * What a caller presented: the bearer token from the {@code authorization} metadata, and the TLS
 * session (which holds a client certificate when the caller sent one).
 */
public record Credentials(Optional<String> bearerToken, Optional<SSLSession> tlsSession) {

    public static final String BEARER_PREFIX = "Bearer ";

    /** Reads {@code authorization: Bearer <token>}; anything else counts as no token. */
    public static Optional<String> bearer(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, BEARER_PREFIX, 0, BEARER_PREFIX.length())) {
            return Optional.empty();
        }
        String token = authorizationHeader.substring(BEARER_PREFIX.length()).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }
}
