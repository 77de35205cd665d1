package io.ambit.xds.api;

import io.ambit.service.security.Access;
import io.ambit.service.security.AccessRule;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;

/**
 * The xds-server's lines of the HTTP access table (the shared ones: probes open, reads viewer,
 * writes admin, so {@code POST /store/apply|delete} is admin already). The translated resources,
 * waypoint config and findings are reads like the store's objects ({@code viewer}: admin-ui holds a
 * viewer credential and shows the same facts to viewers); the connected clients with their
 * identities, ACKs and NACKs are admin only. {@code GET /store/pods} is also open to ca-service's
 * identity: it is what the CA's node rule asks in local mode, and it must not need an operator's token.
 */
@Configuration(proxyBeanMethods = false)
public class XdsAccessRules {

    /** The CA's service account: the identity that asks which pods run on a node. */
    public static final String CA_SERVICE = "ca-service";

    @Bean
    AccessRule.Table xdsServerAccessTable() {
        return AccessRule.Table.of(
                AccessRule.any("/debug/xds/clients", Access.ADMIN),
                AccessRule.of(HttpMethod.GET, "/debug/xds/**", Access.VIEWER),
                AccessRule.any("/debug/**", Access.ADMIN),
                AccessRule.of(HttpMethod.GET, "/store/pods", Access.VIEWER).alsoFor(CA_SERVICE));
    }
}
