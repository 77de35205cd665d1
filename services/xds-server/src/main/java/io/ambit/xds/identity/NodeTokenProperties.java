package io.ambit.xds.identity;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Kubernetes mode: bearer tokens on the ADS port ({@code ambit.xds.node-tokens.*}).
 *
 * @param audience the audience the projected token must carry (Istio's ztunnel: {@code istio-ca})
 * @param accounts {@code namespace/serviceaccount} of the node agents that may authenticate with one
 */
@ConfigurationProperties("ambit.xds.node-tokens")
public record NodeTokenProperties(@DefaultValue("istio-ca") String audience, @DefaultValue("istio-system/ztunnel") List<String> accounts) {
}
