package io.ambit.hbone;

/**
 * Decides whether a CONNECT may proceed once it is well formed and its target is served here;
 * a denial is answered 401, as ztunnel answers an AuthorizationPolicy denial. Called on the
 * connection's event loop: it must not block (ztunnel's policy check is an in-memory lookup).
 */
@FunctionalInterface
public interface Authorizer {

    boolean allows(ConnectRequest request);

    static Authorizer allowAll() {
        return request -> true;
    }
}
