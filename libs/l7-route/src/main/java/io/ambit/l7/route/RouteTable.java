package io.ambit.l7.route;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;

/**
 * One Envoy {@code RouteConfiguration}, compiled. A request's virtual host is chosen by its
 * authority as Envoy does (exact domain first, then the longest {@code *.suffix}, then the longest
 * {@code prefix*}, then {@code *}); within it the first route whose match holds wins.
 */
public final class RouteTable {

    private record Host(String name, List<String> domains, List<CompiledRoute> routes) {
    }

    private final String name;
    private final List<Host> hosts;

    private RouteTable(String name, List<Host> hosts) {
        this.name = name;
        this.hosts = List.copyOf(hosts);
    }

    /** @throws RouteConfigException naming what is not supported (the shared matchers' refusals included) */
    public static RouteTable compile(RouteConfiguration config) {
        try {
            List<Host> hosts = config.getVirtualHostsList().stream()
                    .map(RouteTable::host).toList();
            return new RouteTable(config.getName(), hosts);
        } catch (io.ambit.authz.rbac.RbacConfigException e) {
            throw new RouteConfigException(e.getMessage());
        }
    }

    private static Host host(VirtualHost vh) {
        return new Host(vh.getName(), vh.getDomainsList().stream().map(d -> d.toLowerCase(Locale.ROOT)).toList(),
                vh.getRoutesList().stream().map(CompiledRoute::compile).toList());
    }

    public String name() {
        return name;
    }

    /** The route for a request, or empty: Envoy's "no route" (404, flag NR). */
    public Optional<CompiledRoute> route(RequestView request) {
        return virtualHost(request.authority()).flatMap(h -> h.routes().stream().filter(r -> r.matches(request)).findFirst());
    }

    private Optional<Host> virtualHost(String authority) {
        String a = authority.toLowerCase(Locale.ROOT);
        for (Host h : hosts) {
            if (h.domains().contains(a)) {
                return Optional.of(h);
            }
        }
        Host best = null;
        int bestLength = -1;
        for (Host h : hosts) {
            for (String d : h.domains()) {
                if (d.startsWith("*") && d.length() > 1 && a.endsWith(d.substring(1)) && d.length() > bestLength) {
                    best = h;
                    bestLength = d.length();
                }
            }
        }
        if (best == null) {
            for (Host h : hosts) {
                for (String d : h.domains()) {
                    if (d.endsWith("*") && d.length() > 1 && a.startsWith(d.substring(0, d.length() - 1)) && d.length() > bestLength) {
                        best = h;
                        bestLength = d.length();
                    }
                }
            }
        }
        if (best == null) {
            best = hosts.stream().filter(h -> h.domains().contains("*")).findFirst().orElse(null);
        }
        return Optional.ofNullable(best);
    }
}
