package io.ambit.gatewayapi.istio;

import java.util.List;

/** {@code security.istio.io/v1} AuthorizationPolicy {@code spec}. */
public record AuthorizationPolicySpec(
        WorkloadSelector selector,
        PolicyTargetReference targetRef,
        List<PolicyTargetReference> targetRefs,
        Action action,
        Provider provider,
        List<Rule> rules) {

    public enum Action { ALLOW, DENY, AUDIT, CUSTOM }

    public record Provider(String name) {
    }

    public record Rule(List<From> from, List<To> to, List<Condition> when) {
    }

    public record From(Source source) {
    }

    public record To(Operation operation) {
    }

    public record Source(
            List<String> principals, List<String> notPrincipals,
            List<String> requestPrincipals, List<String> notRequestPrincipals,
            List<String> namespaces, List<String> notNamespaces,
            List<String> serviceAccounts, List<String> notServiceAccounts,
            List<String> ipBlocks, List<String> notIpBlocks,
            List<String> remoteIpBlocks, List<String> notRemoteIpBlocks) {
    }

    public record Operation(
            List<String> hosts, List<String> notHosts,
            List<String> ports, List<String> notPorts,
            List<String> methods, List<String> notMethods,
            List<String> paths, List<String> notPaths) {
    }

    public record Condition(String key, List<String> values, List<String> notValues) {
    }
}
