package io.ambit.ca.auth;

/** Turns a bearer token into a caller, or throws {@code UNAUTHENTICATED}. One per mode. */
@FunctionalInterface
public interface TokenAuthenticator {

    Caller authenticate(String token);
}
