package io.ambit.ztunnel.policy;

import java.util.List;

import io.ambit.authz.AuthorizationPolicy;
import io.ambit.authz.Decision;
import io.ambit.authz.L4Policy;
import io.ambit.authz.PeerIdentity;
import io.ambit.ztunnel.state.StateSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * L4 authorization of connections arriving at this node's workloads: the policies that apply to
 * the destination workload in the current state, decided by the shared {@link L4Policy} (Istio
 * ztunnel's {@code src/rbac.rs}; admin-ui's explainer runs the same code). Dry-run outcomes are
 * logged here (at INFO when they differ from the enforced decision).
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
        return L4Policy.decide(connection.request(), applicable);
    }

    static boolean matches(AuthorizationPolicy policy, Connection connection, PeerIdentity peer) {
        return L4Policy.matches(policy, connection.request(), peer);
    }

    static boolean matches(AuthorizationPolicy.Match match, Connection connection, PeerIdentity peer) {
        return L4Policy.matches(match, connection.request(), peer);
    }
}
