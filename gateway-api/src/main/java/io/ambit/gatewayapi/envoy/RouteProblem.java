package io.ambit.gatewayapi.envoy;

/**
 * Something wrong in a route, with the reason the route's status carries: {@code ResolvedRefs}
 * reasons ({@code BackendNotFound}, {@code RefNotPermitted}, {@code InvalidKind}) or an
 * {@code Accepted} one ({@code UnsupportedValue}).
 */
public record RouteProblem(String reason, String message) {

    public boolean isRefProblem() {
        return reason.equals("BackendNotFound") || reason.equals("RefNotPermitted") || reason.equals("InvalidKind");
    }
}
