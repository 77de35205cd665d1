package io.ambit.authz;

import java.util.List;

/**
 * A validated {@code istio.security.Authorization}, keyed {@code namespace/name}
 * ({@link AuthorizationParser} reads it). Plain data: what it means for a connection is decided by
 * {@link L4Policy}. It keeps the message itself, for debug output ({@code /config_dump}).
 *
 * @param rules   OR-ed; a policy with no rule matches nothing
 * @param dryRun  evaluated and logged, never enforced
 * @param proto   the message it was read from
 */
public record AuthorizationPolicy(String name, String namespace, Scope scope, Action action, List<Rule> rules, boolean dryRun,
                                  io.ambit.proto.security.Authorization proto) {

    public enum Scope { GLOBAL, NAMESPACE, WORKLOAD_SELECTOR }

    public enum Action { ALLOW, DENY }

    public AuthorizationPolicy {
        rules = List.copyOf(rules);
    }

    public String key() {
        return namespace + "/" + name;
    }

    /** Clauses are AND-ed; a rule without clauses matches every connection. */
    public record Rule(List<Clause> clauses) {
        public Rule {
            clauses = List.copyOf(clauses);
        }
    }

    /** Matches are OR-ed; a clause without matches is true. */
    public record Clause(List<Match> matches) {
        public Clause {
            matches = List.copyOf(matches);
        }
    }

    /**
     * Every non-empty field must match (values within a field are OR-ed); a {@code not} field matches
     * when none of its values does. A match with no field at all matches nothing (ztunnel's reading).
     */
    public record Match(
            List<StringMatcher> namespaces,
            List<StringMatcher> notNamespaces,
            List<ServiceAccountMatcher> serviceAccounts,
            List<ServiceAccountMatcher> notServiceAccounts,
            List<StringMatcher> principals,
            List<StringMatcher> notPrincipals,
            List<Cidr> sourceIps,
            List<Cidr> notSourceIps,
            List<Cidr> destinationIps,
            List<Cidr> notDestinationIps,
            List<Integer> destinationPorts,
            List<Integer> notDestinationPorts) {

        public Match {
            namespaces = List.copyOf(namespaces);
            notNamespaces = List.copyOf(notNamespaces);
            serviceAccounts = List.copyOf(serviceAccounts);
            notServiceAccounts = List.copyOf(notServiceAccounts);
            principals = List.copyOf(principals);
            notPrincipals = List.copyOf(notPrincipals);
            sourceIps = List.copyOf(sourceIps);
            notSourceIps = List.copyOf(notSourceIps);
            destinationIps = List.copyOf(destinationIps);
            notDestinationIps = List.copyOf(notDestinationIps);
            destinationPorts = List.copyOf(destinationPorts);
            notDestinationPorts = List.copyOf(notDestinationPorts);
        }

        public boolean isEmpty() {
            return namespaces.isEmpty() && notNamespaces.isEmpty() && serviceAccounts.isEmpty()
                    && notServiceAccounts.isEmpty() && principals.isEmpty() && notPrincipals.isEmpty()
                    && sourceIps.isEmpty() && notSourceIps.isEmpty() && destinationIps.isEmpty()
                    && notDestinationIps.isEmpty() && destinationPorts.isEmpty() && notDestinationPorts.isEmpty();
        }
    }

    /** A service account by namespace and name (the trust domain is not compared, as in ztunnel). */
    public record ServiceAccountMatcher(String namespace, String serviceAccount) {
    }
}
