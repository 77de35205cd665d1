package io.ambit.authz;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of L4 authorization, naming what decided it (for the access log and metrics).
 *
 * @param policy  {@code namespace/name} of the deciding policy: the matching DENY or ALLOW policy; empty
 *                when no policy decided (none applies, or ALLOW policies exist and none matched)
 * @param dryRun  present when a dry-run policy applies: the decision had the dry-run policies been
 *                enforced too. It never changes {@link #allowed}.
 */
public record Decision(boolean allowed, Optional<String> policy, Reason reason, Optional<Decision> dryRun) {

    public enum Reason {
        /** A DENY policy matched. */
        DENIED_BY_POLICY,
        /** No ALLOW policy applies to the workload (and no DENY matched). */
        NO_ALLOW_POLICY,
        /** An ALLOW policy matched. */
        ALLOWED_BY_POLICY,
        /** ALLOW policies apply and none matched. */
        NO_ALLOW_POLICY_MATCHED
    }

    public Decision {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(dryRun, "dryRun");
    }

    Decision withDryRun(Decision wouldBe) {
        return new Decision(allowed, policy, reason, Optional.of(wouldBe));
    }

    /** Whether enforcing the dry-run policies would flip this decision. */
    public boolean dryRunDiffers() {
        return dryRun.isPresent() && dryRun.get().allowed() != allowed;
    }

    /** One line for logs, in the words ztunnel uses for its rejections. */
    public String describe() {
        return switch (reason) {
            case DENIED_BY_POLICY -> "denied: explicitly denied by " + policy.orElseThrow();
            case NO_ALLOW_POLICY -> "allowed: no allow policies";
            case ALLOWED_BY_POLICY -> "allowed by " + policy.orElseThrow();
            case NO_ALLOW_POLICY_MATCHED -> "denied: allow policies exist, but none allowed";
        };
    }
}
