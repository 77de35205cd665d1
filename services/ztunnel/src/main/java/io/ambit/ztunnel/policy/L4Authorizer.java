package io.ambit.ztunnel.policy;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import io.ambit.ztunnel.state.AuthorizationPolicy;
import io.ambit.ztunnel.state.AuthorizationPolicy.Action;
import io.ambit.ztunnel.state.AuthorizationPolicy.Clause;
import io.ambit.ztunnel.state.AuthorizationPolicy.Match;
import io.ambit.ztunnel.state.AuthorizationPolicy.Rule;
import io.ambit.ztunnel.state.Cidr;
import io.ambit.ztunnel.state.StateSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * L4 authorization as Istio's ztunnel does it ({@code src/rbac.rs}, {@code assert_rbac} in
 * {@code src/state.rs}), over the policies that apply to the destination workload:
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
 * {@link Decision#dryRun()} and is logged (at INFO when it differs).
 */
public final class L4Authorizer {

    private static final Logger log = LoggerFactory.getLogger(L4Authorizer.class);

    /**
     * Decides with the policies that {@code snapshot} applies to the connection's destination. The
     * caller read the destination from the same snapshot: one decision sees one state, never a
     * workload from one xDS generation and policies from the next.
     */
    public Decision authorize(Connection connection, StateSnapshot snapshot) {
        List<String> unknown = snapshot.unknownPolicyReferences(connection.destination());
        if (!unknown.isEmpty()) {
            // As ztunnel: a policy named but not (yet) received is skipped.
            log.debug("{}: skipping unknown policies {}", connection, unknown);
        }
        Decision decision = decide(connection, snapshot.policiesFor(connection.destination()));
        if (decision.dryRun().isPresent()) {
            Decision wouldBe = decision.dryRun().get();
            if (decision.dryRunDiffers()) {
                log.info("dry-run: {} would be {} (enforced: {})", connection, wouldBe.describe(), decision.describe());
            } else {
                log.debug("dry-run: {} would be {} (enforced: {})", connection, wouldBe.describe(), decision.describe());
            }
        }
        return decision;
    }

    /** The decision for a connection given the policies that apply to its destination. */
    public static Decision decide(Connection connection, List<AuthorizationPolicy> applicable) {
        PeerIdentity peer = PeerIdentity.of(connection.sourceIdentity());
        List<AuthorizationPolicy> enforced = applicable.stream().filter(p -> !p.dryRun()).toList();
        Decision decision = evaluate(connection, peer, enforced);
        if (enforced.size() != applicable.size()) {
            decision = decision.withDryRun(evaluate(connection, peer, applicable));
        }
        return decision;
    }

    private static Decision evaluate(Connection connection, PeerIdentity peer, List<AuthorizationPolicy> policies) {
        for (AuthorizationPolicy policy : policies) {
            if (policy.action() == Action.DENY && matches(policy, connection, peer)) {
                return new Decision(false, Optional.of(policy.key()), Decision.Reason.DENIED_BY_POLICY, Optional.empty());
            }
        }
        List<AuthorizationPolicy> allows = policies.stream().filter(p -> p.action() == Action.ALLOW).toList();
        if (allows.isEmpty()) {
            return new Decision(true, Optional.empty(), Decision.Reason.NO_ALLOW_POLICY, Optional.empty());
        }
        for (AuthorizationPolicy policy : allows) {
            if (matches(policy, connection, peer)) {
                return new Decision(true, Optional.of(policy.key()), Decision.Reason.ALLOWED_BY_POLICY, Optional.empty());
            }
        }
        return new Decision(false, Optional.empty(), Decision.Reason.NO_ALLOW_POLICY_MATCHED, Optional.empty());
    }

    static boolean matches(AuthorizationPolicy policy, Connection connection, PeerIdentity peer) {
        for (Rule rule : policy.rules()) {
            if (matches(rule, connection, peer)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Rule rule, Connection connection, PeerIdentity peer) {
        for (Clause clause : rule.clauses()) {
            if (!clause.matches().isEmpty() && clause.matches().stream().noneMatch(m -> matches(m, connection, peer))) {
                return false;
            }
        }
        return true;
    }

    static boolean matches(Match m, Connection c, PeerIdentity peer) {
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
