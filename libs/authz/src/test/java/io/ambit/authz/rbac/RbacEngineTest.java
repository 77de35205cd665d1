package io.ambit.authz.rbac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/** The RBAC shapes {@code WaypointRbac} emits, evaluated as Envoy does. */
class RbacEngineTest {

    /** A request as the waypoint's view gives it: the path without its query, pseudo-headers from the request line. */
    record Request(String method, String path, java.util.Map<String, String> headers) implements RequestAttributes {
        @Override
        public String header(String name) {
            return switch (name) {
                case ":method" -> method;
                case ":path" -> path;
                case ":authority", "host" -> "echo";
                default -> headers.get(name);
            };
        }
    }

    static RbacContext request(String method, String uri, String source, String ip) throws Exception {
        int q = uri.indexOf('?');
        return new RbacContext(new Request(method, q < 0 ? uri : uri.substring(0, q), java.util.Map.of()),
                Optional.ofNullable(source), InetAddress.getByName(ip), InetAddress.getByName(ip), 80);
    }

    static RbacEngine engine(RBAC.Action action, Permission permission, Principal principal) {
        return RbacEngine.compile(Any.pack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder()
                .setRules(RBAC.newBuilder().setAction(action).putPolicies("p", Policy.newBuilder()
                        .addPermissions(permission).addPrincipals(principal).build())).build()));
    }

    @Test
    void allowByNamespaceAndGetMethodOnly() throws Exception {
        // istiod's shapes: namespace → contains "/ns/<ns>/sa/", method → :method header exact
        RbacEngine allow = engine(RBAC.Action.ALLOW,
                Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addRules(Permission.newBuilder()
                        .setHeader(HeaderMatcher.newBuilder().setName(":method").setStringMatch(StringMatcher.newBuilder().setExact("GET"))))).build(),
                Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                        .setPrincipalName(StringMatcher.newBuilder().setContains("/ns/sleep/sa/"))).build());
        assertThat(allow.permits(request("GET", "/", "spiffe://cluster.local/ns/sleep/sa/a", "10.0.0.1"))).isTrue();
        assertThat(allow.permits(request("POST", "/", "spiffe://cluster.local/ns/sleep/sa/a", "10.0.0.1"))).isFalse();
        assertThat(allow.permits(request("GET", "/", "spiffe://cluster.local/ns/other/sa/a", "10.0.0.1"))).isFalse();
        assertThat(allow.permits(request("GET", "/", null, "10.0.0.1"))).isFalse();
    }

    @Test
    void denyNotPathAndCidr() throws Exception {
        RbacEngine deny = engine(RBAC.Action.DENY,
                Permission.newBuilder().setNotRule(Permission.newBuilder().setUrlPath(PathMatcher.newBuilder()
                        .setPath(StringMatcher.newBuilder().setPrefix("/public/")))).build(),
                Principal.newBuilder().setDirectRemoteIp(CidrRange.newBuilder().setAddressPrefix("10.1.0.0").setPrefixLen(UInt32Value.of(16))).build());
        assertThat(deny.permits(request("GET", "/private?x=1", null, "10.1.2.3"))).isFalse();
        assertThat(deny.permits(request("GET", "/public/a", null, "10.1.2.3"))).isTrue();
        assertThat(deny.permits(request("GET", "/private", null, "10.2.2.3"))).isTrue();
    }

    @Test
    void unknownMatchersAreRefusedNotGuessed() {
        assertThatThrownBy(() -> engine(RBAC.Action.ALLOW, Permission.newBuilder().setRequestedServerName(StringMatcher.newBuilder().setExact("x")).build(),
                Principal.newBuilder().setAny(true).build())).isInstanceOf(RbacConfigException.class).hasMessageContaining("REQUESTED_SERVER_NAME");
    }

    @Test
    void theVerdictNamesTheMatchingPolicy() throws Exception {
        RbacEngine deny = engine(RBAC.Action.DENY, Permission.newBuilder().setUrlPath(PathMatcher.newBuilder()
                        .setPath(StringMatcher.newBuilder().setPrefix("/admin"))).build(), Principal.newBuilder().setAny(true).build());
        RbacEngine.Verdict denied = deny.evaluate(request("GET", "/admin/users", "spiffe://cluster.local/ns/a/sa/b", "10.0.0.1"));
        assertThat(denied.permitted()).isFalse();
        assertThat(denied.matched()).contains("p");
        RbacEngine.Verdict passed = deny.evaluate(request("GET", "/public", "spiffe://cluster.local/ns/a/sa/b", "10.0.0.1"));
        assertThat(passed.permitted()).isTrue();
        assertThat(passed.matched()).isEmpty();
        assertThat(passed.policies()).containsExactly("p");
    }
}
