package io.ambit.service.security;

import java.util.List;
import java.util.Set;

import org.springframework.http.HttpMethod;

/**
 * One line of a service's HTTP access table: requests with one of {@code methods} (any method when
 * empty) to a path matching {@code pattern} (Spring's path patterns, {@code /store/**}) need
 * {@code access}, or come from one of {@code identities}.
 *
 * @param identities service accounts in the mesh namespace (e.g. {@code ca-service}) admitted
 *                   whatever their role; a caller proves one with a credential of
 *                   {@code ambit.security.services}
 */
public record AccessRule(Set<HttpMethod> methods, String pattern, Access access, Set<String> identities) {

    public AccessRule {
        methods = Set.copyOf(methods);
        identities = Set.copyOf(identities);
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("an access rule's pattern must start with '/': " + pattern);
        }
    }

    public static AccessRule any(String pattern, Access access) {
        return new AccessRule(Set.of(), pattern, access, Set.of());
    }

    public static AccessRule of(HttpMethod method, String pattern, Access access) {
        return new AccessRule(Set.of(method), pattern, access, Set.of());
    }

    /** The same rule, also admitting the named service identities. */
    public AccessRule alsoFor(String... serviceAccounts) {
        return new AccessRule(methods, pattern, access, Set.of(serviceAccounts));
    }

    /**
     * A service's own rules, checked in order before the shared ones (probes open, metrics, then
     * reads {@code viewer} and writes {@code admin}). A service declares one bean of this type only
     * for what the shared rules do not already say.
     */
    public record Table(List<AccessRule> rules) {
        public Table {
            rules = List.copyOf(rules);
        }

        public static Table of(AccessRule... rules) {
            return new Table(List.of(rules));
        }
    }
}
