package io.ambit.l7.route;

/** One cluster of a route's destinations, with its weight and its own header changes and host rewrite. */
public record WeightedTarget(String cluster, int weight, HeaderOps requestHeaders, HeaderOps responseHeaders, String hostRewrite) {
}
