package io.ambit.service.security;

/** What an endpoint asks of its caller. */
public enum Access {
    /** No credential: probes (health, readiness) and, when configured so, Prometheus scrapes. */
    OPEN,
    /** Role {@code viewer} (or {@code admin}, which includes it), or an identity the rule names. */
    VIEWER,
    /** Role {@code admin}, or an identity the rule names. */
    ADMIN
}
