package io.ambit.gatewayapi.envoy;

import java.time.Instant;
import java.util.Comparator;

/**
 * Which route object rules came from: the Gateway API breaks precedence ties by the oldest
 * creation timestamp, then by {@code namespace/name} alphabetically.
 */
public record RouteOrigin(String kind, String namespace, String name, Instant created) {

    public static final Comparator<RouteOrigin> PRECEDENCE = Comparator
            .comparing((RouteOrigin o) -> o.created() == null ? Instant.MAX : o.created())
            .thenComparing(o -> o.namespace() + "/" + o.name());
}
