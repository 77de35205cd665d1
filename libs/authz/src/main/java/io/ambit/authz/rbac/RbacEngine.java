package io.ambit.authz.rbac;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;

/**
 * Envoy's RBAC HTTP filter ({@code envoy.filters.http.rbac}), compiled: ALLOW passes a request
 * that some policy matches, DENY refuses one that some policy matches; a policy matches when one
 * of its permissions and one of its principals match. The filters of a chain run in order, so a
 * DENY filter before an ALLOW filter is Istio's "deny first". Matchers this class does not know
 * are refused at compile time (a NACK), never treated as matching or not.
 */
public final class RbacEngine {

    private record Compiled(Predicate<RbacContext> permission, Predicate<RbacContext> principal) {
    }

    private final boolean allow;
    private final Map<String, Compiled> policies;

    private RbacEngine(boolean allow, Map<String, Compiled> policies) {
        this.allow = allow;
        this.policies = policies;
    }

    /** The network filter's name: L4 authorization of a TCP port, before the TCP proxy. */
    public static final String NETWORK_FILTER = "envoy.filters.network.rbac";

    /** Compiles the typed config of an {@code envoy.filters.http.rbac} filter. */
    public static RbacEngine compile(Any typedConfig) {
        io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC filter;
        try {
            filter = typedConfig.unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class);
        } catch (InvalidProtocolBufferException e) {
            throw new RbacConfigException("RBAC filter config does not parse: " + e.getMessage());
        }
        return compile(filter.hasRules() ? filter.getRules() : null);
    }

    /**
     * Compiles the typed config of an {@code envoy.filters.network.rbac} filter (a TCP port's L4
     * authorization): the same rules as the HTTP filter's, evaluated once per connection with
     * {@link RequestAttributes#NONE} (a byte stream has no method, path or headers). Shadow rules
     * and matchers are refused.
     */
    public static RbacEngine compileNetwork(Any typedConfig) {
        io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC filter;
        try {
            filter = typedConfig.unpack(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.class);
        } catch (InvalidProtocolBufferException e) {
            throw new RbacConfigException("not a RBAC: " + e.getMessage()); // the network filter config: refused as such
        }
        if (filter.hasShadowRules() || filter.hasMatcher()) {
            throw new RbacConfigException("RBAC shadow rules and matchers are not supported");
        }
        return compile(filter.hasRules() ? filter.getRules() : null);
    }

    private static RbacEngine compile(RBAC rules) {
        if (rules == null) {
            return new RbacEngine(false, Map.of()); // no rules: Envoy's filter does nothing; a DENY without policies denies nothing
        }
        if (rules.getAction() != RBAC.Action.ALLOW && rules.getAction() != RBAC.Action.DENY) {
            throw new RbacConfigException("RBAC action " + rules.getAction() + " is not supported");
        }
        Map<String, Compiled> compiled = new java.util.TreeMap<>();
        for (Map.Entry<String, Policy> e : rules.getPoliciesMap().entrySet()) {
            Policy p = e.getValue();
            if (p.hasCondition() || p.hasCheckedCondition()) {
                throw new RbacConfigException("RBAC policy " + e.getKey() + ": CEL conditions are not supported");
            }
            compiled.put(e.getKey(), new Compiled(any(p.getPermissionsList().stream().map(RbacEngine::permission).toList()),
                    any(p.getPrincipalsList().stream().map(RbacEngine::principal).toList())));
        }
        return new RbacEngine(rules.getAction() == RBAC.Action.ALLOW, java.util.Collections.unmodifiableMap(compiled));
    }

    /** @return whether this filter lets the request through */
    public boolean permits(RbacContext context) {
        return evaluate(context).permitted();
    }

    /**
     * This filter's verdict with the policy that matched (Envoy's RBAC policy name, for istiod's
     * translation {@code ns[<ns>]-policy[<name>]-rule[<n>]}), the first in name order; empty when none did.
     */
    public Verdict evaluate(RbacContext context) {
        java.util.Optional<String> matched = policies.entrySet().stream()
                .filter(e -> e.getValue().permission().test(context) && e.getValue().principal().test(context))
                .map(Map.Entry::getKey).findFirst();
        return new Verdict(allow == matched.isPresent(), allow, matched, policies.keySet().stream().toList());
    }

    /**
     * @param permitted whether the request passes this filter
     * @param allow     whether the filter is an ALLOW filter (else DENY)
     * @param matched   the policy that matched, if any
     * @param policies  every policy name of the filter, in evaluation order
     */
    public record Verdict(boolean permitted, boolean allow, java.util.Optional<String> matched, List<String> policies) {
    }

    /** Whether this is an empty filter that does nothing (no {@code rules}). */
    public boolean isNoop() {
        return !allow && policies.isEmpty();
    }

    private static Predicate<RbacContext> any(List<Predicate<RbacContext>> all) {
        return c -> all.stream().anyMatch(p -> p.test(c));
    }

    private static Predicate<RbacContext> every(List<Predicate<RbacContext>> all) {
        return c -> all.stream().allMatch(p -> p.test(c));
    }

    private static Predicate<RbacContext> permission(Permission p) {
        return switch (p.getRuleCase()) {
            case ANY -> c -> p.getAny();
            case AND_RULES -> every(p.getAndRules().getRulesList().stream().map(RbacEngine::permission).toList());
            case OR_RULES -> any(p.getOrRules().getRulesList().stream().map(RbacEngine::permission).toList());
            case NOT_RULE -> permission(p.getNotRule()).negate();
            case HEADER -> {
                Predicate<RequestAttributes> h = HeaderMatch.compile(p.getHeader());
                yield c -> h.test(c.request());
            }
            case URL_PATH -> {
                if (!p.getUrlPath().hasPath()) {
                    throw new RbacConfigException("RBAC url_path without a path matcher");
                }
                Predicate<String> m = StringMatch.compile(p.getUrlPath().getPath());
                yield c -> m.test(c.request().path());
            }
            case DESTINATION_PORT -> c -> c.destinationPort() == p.getDestinationPort();
            default -> throw new RbacConfigException("RBAC permission " + p.getRuleCase() + " is not supported");
        };
    }

    private static Predicate<RbacContext> principal(Principal p) {
        return switch (p.getIdentifierCase()) {
            case ANY -> c -> p.getAny();
            case AND_IDS -> every(p.getAndIds().getIdsList().stream().map(RbacEngine::principal).toList());
            case OR_IDS -> any(p.getOrIds().getIdsList().stream().map(RbacEngine::principal).toList());
            case NOT_ID -> principal(p.getNotId()).negate();
            case AUTHENTICATED -> {
                if (!p.getAuthenticated().hasPrincipalName()) {
                    yield c -> c.source().isPresent(); // Envoy: no name means any authenticated peer
                }
                Predicate<String> m = StringMatch.compile(p.getAuthenticated().getPrincipalName());
                yield c -> c.source().map(m::test).orElse(false);
            }
            case DIRECT_REMOTE_IP -> cidr(p.getDirectRemoteIp(), true);
            case REMOTE_IP -> cidr(p.getRemoteIp(), false);
            default -> throw new RbacConfigException("RBAC principal " + p.getIdentifierCase() + " is not supported");
        };
    }

    private static Predicate<RbacContext> cidr(CidrRange range, boolean direct) {
        byte[] prefix;
        try {
            prefix = InetAddress.getByName(range.getAddressPrefix()).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new RbacConfigException("RBAC CIDR \"" + range.getAddressPrefix() + "\" is not an IP address");
        }
        int bits = range.hasPrefixLen() ? range.getPrefixLen().getValue() : prefix.length * 8;
        if (bits > prefix.length * 8) {
            throw new RbacConfigException("RBAC CIDR prefix length " + bits + " is too long");
        }
        return c -> {
            InetAddress ip = direct ? c.directRemote() : c.remote();
            if (ip == null) {
                return false;
            }
            byte[] a = ip.getAddress();
            if (a.length != prefix.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((a[i / 8] & mask) != (prefix[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        };
    }
}
