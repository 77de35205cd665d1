package io.ambit.authz;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import io.ambit.authz.AuthorizationPolicy.Action;
import io.ambit.authz.AuthorizationPolicy.Clause;
import io.ambit.authz.AuthorizationPolicy.Match;
import io.ambit.authz.AuthorizationPolicy.Rule;

/**
 * L4 authorization as Istio's ztunnel does it ({@code src/rbac.rs}, {@code assert_rbac} in
 * {@code src/state.rs}), over the policies that apply to the destination workload. Shared by the
 * ztunnel (which enforces it) and admin-ui's explainer (which shows it), so both decide alike:
 *
 * <ol>
 *   <li>any DENY policy matches → deny;</li>
 *   <li>no ALLOW policy applies → allow;</li>
 *   <li>any ALLOW policy matches → allow;</li>
 *   <li>else deny.</li>
 * </ol>
 *
 * A policy matches when any rule does; a policy without rules matches nothing (so {@code spec: {}},
 * an ALLOW without rules, denies everything, and a DENY without rules denies nothing). A rule
 * matches when all its clauses do (no clause: it matches). A clause matches when any of its matches
 * does (no match at all: it matches; only empty matches: it does not). A match matches when every
 * non-empty field does, a {@code not_} field when none of its values does, and an empty match never
 * matches. Principals are compared without {@code spiffe://}; namespaces and service accounts come
 * from the peer's SPIFFE ID; a plaintext peer has neither, so {@code not_principals: presence}
 * matches it (PeerAuthentication STRICT).
 *
 * <p>Dry-run policies never change the decision: it is made from the enforced policies, and, when
 * a dry-run policy applies, made again with them enforced too; the second result is
 * {@link Decision#dryRun()}.
 */
public final class L4Policy {

    private L4Policy() {
    }

    /**
     * The policies that apply to a workload, as ztunnel gathers them: NAMESPACE ones of its namespace,
     * GLOBAL ones (the root namespace's), then the WORKLOAD_SELECTOR ones the workload names (each
     * once). A named policy that {@code lookup} does not know is skipped: it may not have arrived yet.
     *
     * @param namespacePolicies keys of the NAMESPACE-scoped policies of the workload's namespace
     * @param globalPolicies    keys of the GLOBAL-scoped policies
     * @param selected          the workload's {@code authorization_policies}
     */
    public static List<AuthorizationPolicy> applicable(java.util.Collection<String> namespacePolicies,
            java.util.Collection<String> globalPolicies, java.util.Collection<String> selected,
            java.util.function.Function<String, AuthorizationPolicy> lookup) {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>(namespacePolicies);
        keys.addAll(globalPolicies);
        keys.addAll(selected);
        List<AuthorizationPolicy> out = new java.util.ArrayList<>(keys.size());
        for (String key : keys) {
            AuthorizationPolicy policy = lookup.apply(key);
            if (policy != null) {
                out.add(policy);
            }
        }
        return out;
    }

    /** The decision for a connection given the policies that apply to its destination. */
    public static Decision decide(L4Request request, List<AuthorizationPolicy> applicable) {
        PeerIdentity peer = PeerIdentity.of(request.sourceIdentity());
        List<AuthorizationPolicy> enforced = applicable.stream().filter(p -> !p.dryRun()).toList();
        Decision decision = evaluate(request, peer, enforced);
        if (enforced.size() != applicable.size()) {
            decision = decision.withDryRun(evaluate(request, peer, applicable));
        }
        return decision;
    }

    private static Decision evaluate(L4Request request, PeerIdentity peer, List<AuthorizationPolicy> policies) {
        for (AuthorizationPolicy policy : policies) {
            if (policy.action() == Action.DENY && matches(policy, request, peer)) {
                return new Decision(false, Optional.of(policy.key()), Decision.Reason.DENIED_BY_POLICY, Optional.empty());
            }
        }
        List<AuthorizationPolicy> allows = policies.stream().filter(p -> p.action() == Action.ALLOW).toList();
        if (allows.isEmpty()) {
            return new Decision(true, Optional.empty(), Decision.Reason.NO_ALLOW_POLICY, Optional.empty());
        }
        for (AuthorizationPolicy policy : allows) {
            if (matches(policy, request, peer)) {
                return new Decision(true, Optional.of(policy.key()), Decision.Reason.ALLOWED_BY_POLICY, Optional.empty());
            }
        }
        return new Decision(false, Optional.empty(), Decision.Reason.NO_ALLOW_POLICY_MATCHED, Optional.empty());
    }

    /** Whether any rule of the policy matches the request (its action aside). */
    public static boolean matches(AuthorizationPolicy policy, L4Request request, PeerIdentity peer) {
        for (Rule rule : policy.rules()) {
            if (matches(rule, request, peer)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Rule rule, L4Request request, PeerIdentity peer) {
        for (Clause clause : rule.clauses()) {
            if (!clause.matches().isEmpty() && clause.matches().stream().noneMatch(m -> matches(m, request, peer))) {
                return false;
            }
        }
        return true;
    }

    public static boolean matches(Match m, L4Request c, PeerIdentity peer) {
        if (m.isEmpty()) {
            return false;
        }
        InetAddress dst = c.destinationIp();
        InetAddress src = c.sourceIp();
        return field(m.destinationIps(), m.notDestinationIps(), (Cidr cidr) -> cidr.contains(dst))
                && field(m.sourceIps(), m.notSourceIps(), (Cidr cidr) -> cidr.contains(src))
                && field(m.destinationPorts(), m.notDestinationPorts(), port -> port == c.destinationPort())
                && field(m.serviceAccounts(), m.notServiceAccounts(), sa -> peer.serviceAccount().isPresent()
                        && sa.namespace().equals(peer.namespace()) && sa.serviceAccount().equals(peer.serviceAccount().get()))
                && field(m.principals(), m.notPrincipals(), p -> peer.principal().isPresent() && p.matches(peer.principal().get()))
                && field(m.namespaces(), m.notNamespaces(), ns -> ns.matches(peer.namespace()));
    }

    /** Any positive value matches (or there is none), and no negative value does. */
    private static <T> boolean field(List<T> positive, List<T> negative, Predicate<T> test) {
        return (positive.isEmpty() || positive.stream().anyMatch(test)) && negative.stream().noneMatch(test);
    }
}
