package io.ambit.ca.bundle;

import io.ambit.service.security.Access;
import io.ambit.service.security.AccessRule;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;

/**
 * The CA's lines of the HTTP access table: the trust bundle is open. It is the anchor a client
 * needs before it can authenticate anything (ztunnel and the xds-server fetch it at start, with
 * no credential yet), it holds no secret, and it is public elsewhere too: Istio copies it into
 * ConfigMap {@code istio-ca-root-cert} in every namespace, and a SPIFFE bundle endpoint serves it
 * without client authentication. Everything else of the CA's HTTP side follows the shared rules.
 */
@Configuration(proxyBeanMethods = false)
public class CaAccessRules {

    @Bean
    AccessRule.Table caServiceAccessTable() {
        return AccessRule.Table.of(
                AccessRule.of(HttpMethod.GET, "/ca/root-cert.pem", Access.OPEN),
                AccessRule.of(HttpMethod.GET, "/ca/spiffe-bundle.json", Access.OPEN));
    }
}
