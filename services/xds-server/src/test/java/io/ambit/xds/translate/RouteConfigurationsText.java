package io.ambit.xds.translate;

import io.envoyproxy.envoy.config.route.v3.Route;

/** A route's match in one short line, for asserting orders. */
final class RouteConfigurationsText {

    private RouteConfigurationsText() {
    }

    static String describe(Route r) {
        var m = r.getMatch();
        StringBuilder out = new StringBuilder();
        if (m.hasSafeRegex()) {
            out.append("regex=").append(m.getSafeRegex().getRegex());
        } else if (!m.getPath().isEmpty()) {
            out.append("path=").append(m.getPath());
        } else if (!m.getPathSeparatedPrefix().isEmpty()) {
            out.append("prefix=").append(m.getPathSeparatedPrefix());
        } else {
            out.append("prefix=").append(m.getPrefix());
        }
        long headers = m.getHeadersList().stream().filter(h -> !h.getName().equals(":method")).count();
        if (m.getHeadersList().stream().anyMatch(h -> h.getName().equals(":method"))) {
            out.append(" method");
        }
        if (headers > 0) {
            out.append(" headers=").append(headers);
        }
        if (m.getQueryParametersCount() > 0) {
            out.append(" query=").append(m.getQueryParametersCount());
        }
        return out.toString();
    }
}
