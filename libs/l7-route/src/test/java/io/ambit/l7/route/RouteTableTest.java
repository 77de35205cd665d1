package io.ambit.l7.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;


import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.netty.handler.codec.http.DefaultHttpHeaders;

/** Envoy's virtual host choice and path matching, on the shapes the translator emits. */
class RouteTableTest {

    static Route direct(String name, RouteMatch.Builder match) {
        return Route.newBuilder().setName(name).setMatch(match).setDirectResponse(DirectResponseAction.newBuilder().setStatus(200)).build();
    }

    static String route(RouteTable table, String host, String uri) {
        return table.route(RequestView.of("GET", uri, new DefaultHttpHeaders().set("host", host))).map(CompiledRoute::name).orElse("NR");
    }

    @Test
    void virtualHostsAndPathSeparatedPrefix() {
        RouteTable table = RouteTable.compile(RouteConfiguration.newBuilder().setName("r")
                .addVirtualHosts(VirtualHost.newBuilder().setName("exact").addDomains("echo.ns.svc.cluster.local").addDomains("10.0.0.1:80")
                        .addRoutes(direct("api", RouteMatch.newBuilder().setPathSeparatedPrefix("/api")))
                        .addRoutes(direct("re", RouteMatch.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("/v[0-9]+/.*")))))
                .addVirtualHosts(VirtualHost.newBuilder().setName("suffix").addDomains("*.example.com")
                        .addRoutes(direct("suffix", RouteMatch.newBuilder().setPrefix("/"))))
                .addVirtualHosts(VirtualHost.newBuilder().setName("any").addDomains("*")
                        .addRoutes(direct("any", RouteMatch.newBuilder().setPrefix("/"))))
                .build());
        assertThat(route(table, "echo.ns.svc.cluster.local", "/api")).isEqualTo("api");
        assertThat(route(table, "ECHO.ns.svc.cluster.local", "/api/x?y=1")).isEqualTo("api");
        assertThat(route(table, "10.0.0.1:80", "/apix")).isEqualTo("NR"); // not a path segment
        assertThat(route(table, "echo.ns.svc.cluster.local", "/v2/x")).isEqualTo("re");
        assertThat(route(table, "a.example.com", "/")).isEqualTo("suffix");
        assertThat(route(table, "other", "/")).isEqualTo("any");
    }

    @Test
    void badRegexIsAConfigError() {
        assertThatThrownBy(() -> RouteTable.compile(RouteConfiguration.newBuilder().setName("r")
                .addVirtualHosts(VirtualHost.newBuilder().setName("h").addDomains("*")
                        .addRoutes(direct("bad", RouteMatch.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("(")))))
                .build())).isInstanceOf(RouteConfigException.class).hasMessageContaining("invalid regex");
    }
}
