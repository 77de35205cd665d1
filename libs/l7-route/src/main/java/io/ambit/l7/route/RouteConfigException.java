package io.ambit.l7.route;

/**
 * A route configuration the waypoint cannot honour, saying what is wrong. The waypoint turns it
 * into a NACK (keeping the previous configuration); the explainer reports it as the reason the
 * waypoint refuses that configuration too.
 */
public final class RouteConfigException extends RuntimeException {

    public RouteConfigException(String message) {
        super(message);
    }
}
