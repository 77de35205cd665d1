package io.ambit.waypoint.rbac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.ambit.identity.SpiffeId;
import io.ambit.waypoint.config.ConfigException;
import io.ambit.waypoint.route.RequestView;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.handler.codec.http.DefaultHttpHeaders;

/** The RBAC shapes {@code WaypointRbac} emits, evaluated as Envoy does. */
class RbacEngineTest {

    static RbacContext request(String method, String path, String source, String ip) throws Exception {
        return new RbacContext(RequestView.of(method, path, new DefaultHttpHeaders().set("host", "echo")),
                Optional.ofNullable(source).map(SpiffeId::parse), InetAddress.getByName(ip), InetAddress.getByName(ip), 80);
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
                Principal.newBuilder().setAny(true).build())).isInstanceOf(ConfigException.class).hasMessageContaining("REQUESTED_SERVER_NAME");
    }
}
