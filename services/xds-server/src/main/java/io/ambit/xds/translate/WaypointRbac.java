package io.ambit.xds.translate;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.ambit.gatewayapi.istio.AuthorizationPolicySpec;
import io.ambit.gatewayapi.istio.AuthorizationPolicySpec.Condition;
import io.ambit.gatewayapi.istio.AuthorizationPolicySpec.Operation;
import io.ambit.gatewayapi.istio.AuthorizationPolicySpec.Source;
import io.ambit.gatewayapi.istio.IstioSpecs;
import io.ambit.gatewayapi.istio.PolicyTargetReference;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * AuthorizationPolicies a waypoint enforces → Envoy RBAC HTTP filters, following istiod's
 * {@code pilot/pkg/security/authz} builder: one DENY filter before one ALLOW filter (a request
 * any DENY policy matches is refused; with ALLOW policies, one of them must match); one Envoy
 * policy per rule, named {@code ns[<ns>]-policy[<name>]-rule[<index>]}; {@code to} entries OR-ed
 * into the permissions, {@code from} entries into the principals, each {@code when} AND-ed.
 *
 * <p>Which policies: {@code targetRefs} naming the waypoint Gateway, or the Service a filter
 * chain serves (in the policy's namespace); or a {@code selector} that selects the waypoint's
 * pods ({@code gateway.networking.k8s.io/gateway-name}) in its namespace.
 *
 * <p>Values as istiod matches them, never as a regular expression built from user input:
 * {@code x*} prefix, {@code *x} suffix, {@code *} presence, otherwise exact. Principals are
 * SPIFFE IDs ({@code spiffe://} added); where istiod uses a regex (namespaces, service accounts)
 * Ambit uses the equivalent fixed-string form on the canonical ID: a namespace is a
 * {@code contains "/ns/<ns>/sa/"}, a service account a suffix {@code /ns/<ns>/sa/<sa>}. A
 * wildcard inside a namespace or service account other than a lone {@code *} cannot be written
 * that way: it fails closed (ALLOW rule dropped, DENY constraint dropped) with a finding.
 * Request principals and {@code request.auth.*} need JWT authentication, which the waypoint does
 * not do: likewise fail closed. The filters are marked optional so that proxyless gRPC clients,
 * which do not apply server-side RBAC, accept the shared listener; the Ambit waypoint must apply them.
 */
final class WaypointRbac {

    static final String FILTER = "envoy.filters.http.rbac";
    private static final String SPIFFE = "spiffe://";

    private record Parsed(GenericKubernetesResource object, AuthorizationPolicySpec spec) {
        String namespace() {
            return object.getMetadata().getNamespace();
        }

        String name() {
            return object.getMetadata().getName();
        }
    }

    private final List<Parsed> policies = new ArrayList<>();
    private List<Finding> findings;

    WaypointRbac(MeshInputs inputs, List<Finding> findings) {
        this.findings = findings;
        for (GenericKubernetesResource policy : inputs.authorizationPolicies()) {
            try {
                policies.add(new Parsed(policy, IstioSpecs.bind(policy.getAdditionalProperties().get("spec"), AuthorizationPolicySpec.class)));
            } catch (IllegalArgumentException e) {
                // AuthorizationTranslator reports specs that do not bind
            }
        }
        policies.sort(Comparator.comparing((Parsed p) -> p.namespace()).thenComparing(Parsed::name));
    }

    /** The RBAC filters for a waypoint's filter chain serving {@code service}: DENY, then ALLOW; none if no policy applies. */
    List<HttpFilter> filters(Waypoint waypoint, String serviceNamespace, String serviceName) {
        return rules(waypoint, serviceNamespace, serviceName, false).stream().map(WaypointRbac::filter).toList();
    }

    /** The network filter Envoy runs for TCP. */
    static final String NETWORK_FILTER = "envoy.filters.network.rbac";

    /**
     * The RBAC network filters for a waypoint's TCP chain serving {@code service} (DENY, then
     * ALLOW), as Istio builds TCP rules: HTTP attributes (hosts, methods, paths, request headers)
     * cannot be seen in a byte stream, so an ALLOW rule with one is left out and a DENY rule is
     * kept without it (each reported as a finding).
     */
    List<io.envoyproxy.envoy.config.listener.v3.Filter> networkFilters(Waypoint waypoint, String serviceNamespace, String serviceName,
            String statPrefix) {
        return rules(waypoint, serviceNamespace, serviceName, true).stream()
                .map(rules -> io.envoyproxy.envoy.config.listener.v3.Filter.newBuilder().setName(NETWORK_FILTER)
                        .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.newBuilder()
                                .setStatPrefix(statPrefix).setRules(rules).build()))
                        .build())
                .toList();
    }

    private List<RBAC> rules(Waypoint waypoint, String serviceNamespace, String serviceName, boolean tcp) {
        RBAC.Builder deny = RBAC.newBuilder().setAction(RBAC.Action.DENY);
        RBAC.Builder allow = RBAC.newBuilder().setAction(RBAC.Action.ALLOW);
        boolean anyDeny = false;
        boolean anyAllow = false;
        for (Parsed policy : policies) {
            if (!applies(policy, waypoint, serviceNamespace, serviceName)) {
                continue;
            }
            AuthorizationPolicySpec.Action action = policy.spec().action() == null ? AuthorizationPolicySpec.Action.ALLOW
                    : policy.spec().action();
            if (action != AuthorizationPolicySpec.Action.ALLOW && action != AuthorizationPolicySpec.Action.DENY) {
                finding(policy, "the waypoint does not support the " + action + " action; not applied");
                continue;
            }
            boolean isAllow = action == AuthorizationPolicySpec.Action.ALLOW;
            if (isAllow) {
                anyAllow = true;
            } else {
                anyDeny = true;
            }
            List<AuthorizationPolicySpec.Rule> rules = policy.spec().rules() == null ? List.of() : policy.spec().rules();
            for (int i = 0; i < rules.size(); i++) {
                Optional<Policy> converted = new RuleConverter(policy, isAllow, "rules[" + i + "]", tcp).convert(rules.get(i));
                int index = i;
                converted.ifPresent(p -> (isAllow ? allow : deny)
                        .putPolicies("ns[" + policy.namespace() + "]-policy[" + policy.name() + "]-rule[" + index + "]", p));
            }
        }
        List<RBAC> filters = new ArrayList<>();
        if (anyDeny) {
            filters.add(deny.build());
        }
        if (anyAllow) {
            filters.add(allow.build()); // an ALLOW policy with no rule leaves no policy: it allows nothing
        }
        return filters;
    }

    private static HttpFilter filter(RBAC rules) {
        return HttpFilter.newBuilder().setName(FILTER).setIsOptional(true)
                .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules).build()))
                .build();
    }

    private static boolean applies(Parsed policy, Waypoint waypoint, String serviceNamespace, String serviceName) {
        List<PolicyTargetReference> targets = new ArrayList<>();
        if (policy.spec().targetRef() != null) {
            targets.add(policy.spec().targetRef());
        }
        if (policy.spec().targetRefs() != null) {
            targets.addAll(policy.spec().targetRefs());
        }
        if (!targets.isEmpty()) {
            for (PolicyTargetReference target : targets) {
                String namespace = target.namespace() == null || target.namespace().isEmpty() ? policy.namespace() : target.namespace();
                if ("Gateway".equals(target.kind()) && namespace.equals(waypoint.namespace()) && target.name().equals(waypoint.name())) {
                    return true;
                }
                if ("Service".equals(target.kind()) && (target.group() == null || target.group().isEmpty())
                        && namespace.equals(serviceNamespace) && target.name().equals(serviceName)) {
                    return true;
                }
            }
            return false;
        }
        Map<String, String> selector = PolicyHeader.labels(policy.spec().selector());
        return !selector.isEmpty() && policy.namespace().equals(waypoint.namespace())
                && PolicyHeader.selects(selector, Map.of(Labels.GATEWAY_NAME, waypoint.name()));
    }

    /** Where findings go from now on: the translator gives each waypoint its own list. */
    void reportTo(List<Finding> findings) {
        this.findings = findings;
    }

    private void finding(Parsed policy, String message) {
        Finding finding = new Finding(AuthorizationTranslator.KIND, policy.namespace(), policy.name(), message);
        if (!findings.contains(finding)) {
            findings.add(finding);
        }
    }

    /** One rule: fail closed on what cannot be enforced (ALLOW: the rule goes; DENY: the constraint goes). */
    private final class RuleConverter {
        private final Parsed policy;
        private final boolean allow;
        private final String at;
        private final boolean tcp;
        private boolean dropped;

        RuleConverter(Parsed policy, boolean allow, String at, boolean tcp) {
            this.policy = policy;
            this.allow = allow;
            this.at = at;
            this.tcp = tcp;
        }

        /** On a TCP chain an HTTP attribute cannot be seen: fail closed as {@link #unsupported} does. */
        private boolean httpOnTcp(String what, List<String> values, List<String> notValues) {
            if (tcp && (!isEmpty(values) || !isEmpty(notValues))) {
                unsupported(what + " (an HTTP attribute, on a TCP port)");
                return true;
            }
            return false;
        }

        Optional<Policy> convert(AuthorizationPolicySpec.Rule rule) {
            List<Permission> permissions = new ArrayList<>();
            List<Principal> principals = new ArrayList<>();
            if (rule.to() != null && !rule.to().isEmpty()) {
                permissions.add(Permission.newBuilder().setOrRules(Permission.Set.newBuilder()
                        .addAllRules(rule.to().stream().map(t -> operation(t.operation())).toList())).build());
            }
            if (rule.from() != null && !rule.from().isEmpty()) {
                principals.add(Principal.newBuilder().setOrIds(Principal.Set.newBuilder()
                        .addAllIds(rule.from().stream().map(f -> source(f.source())).toList())).build());
            }
            for (Condition when : rule.when() == null ? List.<Condition>of() : rule.when()) {
                condition(when, permissions, principals);
            }
            if (dropped) {
                return Optional.empty();
            }
            return Optional.of(Policy.newBuilder()
                    .addPermissions(permissions.isEmpty() ? Permission.newBuilder().setAny(true).build()
                            : Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(permissions)).build())
                    .addPrincipals(principals.isEmpty() ? Principal.newBuilder().setAny(true).build()
                            : Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(principals)).build())
                    .build());
        }

        private void unsupported(String what) {
            if (allow) {
                dropped = true;
                finding(policy, at + ": " + what + " cannot be enforced by the waypoint; the rule is left out, so the policy allows less than written");
            } else {
                finding(policy, at + ": " + what + " cannot be enforced by the waypoint; that constraint is left out, so the rule denies more than written");
            }
        }

        private Permission operation(Operation op) {
            List<Permission> and = new ArrayList<>();
            if (httpOnTcp("hosts", op.hosts(), op.notHosts()) | httpOnTcp("methods", op.methods(), op.notMethods())
                    | httpOnTcp("paths", op.paths(), op.notPaths())) {
                field(and, op.ports(), false, this::port);
                field(and, op.notPorts(), true, this::port);
                return and.isEmpty() ? Permission.newBuilder().setAny(true).build()
                        : Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(and)).build();
            }
            field(and, op.hosts(), false, v -> header(":authority", v, true));
            field(and, op.notHosts(), true, v -> header(":authority", v, true));
            field(and, op.methods(), false, v -> header(":method", v, false));
            field(and, op.notMethods(), true, v -> header(":method", v, false));
            field(and, op.paths(), false, v -> Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(path(v))).build());
            field(and, op.notPaths(), true, v -> Permission.newBuilder().setUrlPath(PathMatcher.newBuilder().setPath(path(v))).build());
            field(and, op.ports(), false, this::port);
            field(and, op.notPorts(), true, this::port);
            return and.isEmpty() ? Permission.newBuilder().setAny(true).build()
                    : Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(and)).build();
        }

        private void field(List<Permission> and, List<String> values, boolean not, Function<String, Permission> one) {
            if (values == null || values.isEmpty()) {
                return;
            }
            List<Permission> any = values.stream().map(one).filter(p -> p != null).toList();
            if (any.isEmpty()) {
                return;
            }
            Permission or = Permission.newBuilder().setOrRules(Permission.Set.newBuilder().addAllRules(any)).build();
            and.add(not ? Permission.newBuilder().setNotRule(or).build() : or);
        }

        private Permission port(String value) {
            Optional<Integer> port = L4Values.port(value);
            if (port.isEmpty()) {
                unsupported("port \"" + value + "\" (not 1-65535)");
                return null;
            }
            return Permission.newBuilder().setDestinationPort(port.get()).build();
        }

        private Principal source(Source s) {
            List<Principal> and = new ArrayList<>();
            ids(and, s.principals(), false, v -> authenticated(StringMatcher.newBuilder(wildcardWithPrefix(v)).build()));
            ids(and, s.notPrincipals(), true, v -> authenticated(StringMatcher.newBuilder(wildcardWithPrefix(v)).build()));
            ids(and, s.namespaces(), false, this::namespace);
            ids(and, s.notNamespaces(), true, this::namespace);
            ids(and, s.serviceAccounts(), false, this::serviceAccount);
            ids(and, s.notServiceAccounts(), true, this::serviceAccount);
            ids(and, s.ipBlocks(), false, v -> cidr(v, true));
            ids(and, s.notIpBlocks(), true, v -> cidr(v, true));
            ids(and, s.remoteIpBlocks(), false, v -> cidr(v, false));
            ids(and, s.notRemoteIpBlocks(), true, v -> cidr(v, false));
            if (!isEmpty(s.requestPrincipals()) || !isEmpty(s.notRequestPrincipals())) {
                unsupported("requestPrincipals (JWT)");
            }
            return and.isEmpty() ? Principal.newBuilder().setAny(true).build()
                    : Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(and)).build();
        }

        private void ids(List<Principal> and, List<String> values, boolean not, Function<String, Principal> one) {
            if (values == null || values.isEmpty()) {
                return;
            }
            List<Principal> any = values.stream().map(one).filter(p -> p != null).toList();
            if (any.isEmpty()) {
                return;
            }
            Principal or = Principal.newBuilder().setOrIds(Principal.Set.newBuilder().addAllIds(any)).build();
            and.add(not ? Principal.newBuilder().setNotId(or).build() : or);
        }

        private Principal namespace(String ns) {
            if (ns.equals("*")) {
                return authenticated(StringMatcher.newBuilder().setPrefix(SPIFFE).build());
            }
            if (ns.contains("*")) {
                unsupported("namespace wildcard \"" + ns + "\"");
                return null;
            }
            return authenticated(StringMatcher.newBuilder().setContains("/ns/" + ns + "/sa/").build());
        }

        private Principal serviceAccount(String value) {
            if (value.contains("*")) {
                unsupported("service account wildcard \"" + value + "\"");
                return null;
            }
            var sa = L4Values.serviceAccount(value, policy.namespace());
            if (sa.isEmpty()) {
                unsupported("service account \"" + value + "\" (ns/sa or sa)");
                return null;
            }
            return authenticated(StringMatcher.newBuilder()
                    .setSuffix("/ns/" + sa.get().getNamespace() + "/sa/" + sa.get().getServiceAccount()).build());
        }

        private Principal cidr(String value, boolean direct) {
            Optional<io.ambit.proto.security.Address> address = L4Values.cidr(value);
            if (address.isEmpty()) {
                unsupported("address \"" + value + "\" (not an IP or CIDR)");
                return null;
            }
            String ip;
            try {
                ip = InetAddress.getByAddress(address.get().getAddress().toByteArray()).getHostAddress();
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
            CidrRange range = CidrRange.newBuilder().setAddressPrefix(ip).setPrefixLen(UInt32Value.of(address.get().getLength())).build();
            return direct ? Principal.newBuilder().setDirectRemoteIp(range).build() : Principal.newBuilder().setRemoteIp(range).build();
        }

        private void condition(Condition when, List<Permission> permissions, List<Principal> principals) {
            String key = when.key() == null ? "" : when.key();
            List<String> values = when.values() == null ? List.of() : when.values();
            List<String> notValues = when.notValues() == null ? List.of() : when.notValues();
            if (key.startsWith("request.headers[") && key.endsWith("]")) {
                if (httpOnTcp("when key \"" + key + "\"", values, notValues)) {
                    return;
                }
                String name = key.substring("request.headers[".length(), key.length() - 1);
                addPermission(permissions, values, notValues, v -> header(name, v, false));
            } else if (key.equals("destination.port")) {
                addPermission(permissions, values, notValues, this::port);
            } else if (key.equals("source.ip")) {
                addPrincipal(principals, values, notValues, v -> cidr(v, true));
            } else if (key.equals("remote.ip")) {
                addPrincipal(principals, values, notValues, v -> cidr(v, false));
            } else if (key.equals("source.namespace")) {
                addPrincipal(principals, values, notValues, this::namespace);
            } else if (key.equals("source.principal")) {
                addPrincipal(principals, values, notValues, v -> authenticated(StringMatcher.newBuilder(wildcardWithPrefix(v)).build()));
            } else {
                unsupported("when key \"" + key + "\"");
            }
        }

        private void addPermission(List<Permission> permissions, List<String> values, List<String> notValues, Function<String, Permission> one) {
            List<Permission> and = new ArrayList<>();
            field(and, values, false, one);
            field(and, notValues, true, one);
            if (!and.isEmpty()) {
                permissions.add(Permission.newBuilder().setAndRules(Permission.Set.newBuilder().addAllRules(and)).build());
            }
        }

        private void addPrincipal(List<Principal> principals, List<String> values, List<String> notValues, Function<String, Principal> one) {
            List<Principal> and = new ArrayList<>();
            ids(and, values, false, one);
            ids(and, notValues, true, one);
            if (!and.isEmpty()) {
                principals.add(Principal.newBuilder().setAndIds(Principal.Set.newBuilder().addAllIds(and)).build());
            }
        }
    }

    private static boolean isEmpty(List<?> values) {
        return values == null || values.isEmpty();
    }

    /** istiod's header matcher: {@code *} is presence, otherwise {@link #wildcard}. */
    private static Permission header(String name, String value, boolean ignoreCase) {
        HeaderMatcher.Builder header = HeaderMatcher.newBuilder().setName(name);
        if (value.equals("*")) {
            header.setPresentMatch(true);
        } else {
            header.setStringMatch(StringMatcher.newBuilder(wildcard(value)).setIgnoreCase(ignoreCase));
        }
        return Permission.newBuilder().setHeader(header).build();
    }

    private static Principal authenticated(StringMatcher name) {
        return Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder().setPrincipalName(name)).build();
    }

    /** istiod's {@code matcher.StringMatcher} for a value other than a lone {@code *}: suffix, prefix or exact. */
    static StringMatcher wildcard(String v) {
        if (v.startsWith("*")) {
            return StringMatcher.newBuilder().setSuffix(v.substring(1)).build();
        }
        if (v.endsWith("*")) {
            return StringMatcher.newBuilder().setPrefix(v.substring(0, v.length() - 1)).build();
        }
        return StringMatcher.newBuilder().setExact(v).build();
    }

    /** Paths: {@code *} is every path (all start with {@code /}). */
    private static StringMatcher path(String v) {
        return v.equals("*") ? StringMatcher.newBuilder().setPrefix("/").build() : wildcard(v);
    }

    /** istiod's {@code StringMatcherWithPrefix(v, "spiffe://")}; {@code *} is any SPIFFE ID. */
    static StringMatcher wildcardWithPrefix(String v) {
        if (v.equals("*")) {
            return StringMatcher.newBuilder().setPrefix(SPIFFE).build();
        }
        if (v.startsWith("*")) {
            return StringMatcher.newBuilder().setSuffix(v.substring(1)).build();
        }
        if (v.endsWith("*")) {
            return StringMatcher.newBuilder().setPrefix(SPIFFE + v.substring(0, v.length() - 1)).build();
        }
        return StringMatcher.newBuilder().setExact(SPIFFE + v).build();
    }
}
