package io.ambit.authz;

import java.util.ArrayList;
import java.util.List;

import io.ambit.authz.AuthorizationPolicy.Action;
import io.ambit.authz.AuthorizationPolicy.Clause;
import io.ambit.authz.AuthorizationPolicy.Rule;
import io.ambit.authz.AuthorizationPolicy.Scope;
import io.ambit.authz.AuthorizationPolicy.ServiceAccountMatcher;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Match;

/**
 * {@code istio.security.Authorization} → {@link AuthorizationPolicy}, for every reader of the
 * translated policies (ztunnel's state, admin-ui's explainer), so both decide on the same values.
 * Istio's ztunnel silently drops a match value it cannot read (an address of the wrong size, a
 * prefix length out of range, a {@code StringMatch} without a type) and truncates ports to 16
 * bits; dropping a value can widen an ALLOW (a match left with only {@code destination_ports}
 * allows every source). Ambit refuses the whole policy instead, with the path of the value. An
 * unknown action or scope is refused too: proto3 would otherwise read it as ALLOW / GLOBAL.
 */
public final class AuthorizationParser {

    /** Rules, clauses, matches and values together; a policy bigger than this is refused. */
    public static final int MAX_ELEMENTS = 100_000;

    private AuthorizationParser() {
    }

    /** @throws InvalidPolicyException naming the field and value refused */
    public static AuthorizationPolicy parse(Authorization a) throws InvalidPolicyException {
        if (a.getName().isEmpty()) {
            throw new InvalidPolicyException("authorization has no name");
        }
        if (a.getNamespace().isEmpty()) {
            throw new InvalidPolicyException("authorization has no namespace");
        }
        Scope scope = switch (a.getScope()) {
            case GLOBAL -> Scope.GLOBAL;
            case NAMESPACE -> Scope.NAMESPACE;
            case WORKLOAD_SELECTOR -> Scope.WORKLOAD_SELECTOR;
            case UNRECOGNIZED -> throw new InvalidPolicyException("scope: unknown value " + a.getScopeValue());
        };
        Action action = switch (a.getAction()) {
            case ALLOW -> Action.ALLOW;
            case DENY -> Action.DENY;
            case UNRECOGNIZED -> throw new InvalidPolicyException("action: unknown value " + a.getActionValue());
        };
        checkSize(a);
        List<Rule> rules = new ArrayList<>(a.getRulesCount());
        for (int r = 0; r < a.getRulesCount(); r++) {
            var rule = a.getRules(r);
            List<Clause> clauses = new ArrayList<>(rule.getClausesCount());
            for (int c = 0; c < rule.getClausesCount(); c++) {
                var clause = rule.getClauses(c);
                List<AuthorizationPolicy.Match> matches = new ArrayList<>(clause.getMatchesCount());
                for (int m = 0; m < clause.getMatchesCount(); m++) {
                    matches.add(match(clause.getMatches(m), "rules[" + r + "].clauses[" + c + "].matches[" + m + "]"));
                }
                clauses.add(new Clause(matches));
            }
            rules.add(new Rule(clauses));
        }
        return new AuthorizationPolicy(a.getName(), a.getNamespace(), scope, action, rules, a.getDryRun(), a);
    }

    private static void checkSize(Authorization a) throws InvalidPolicyException {
        long elements = a.getRulesCount();
        for (var rule : a.getRulesList()) {
            elements += rule.getClausesCount();
            for (var clause : rule.getClausesList()) {
                elements += clause.getMatchesCount();
                for (Match m : clause.getMatchesList()) {
                    elements += m.getNamespacesCount() + m.getNotNamespacesCount() + m.getServiceAccountsCount()
                            + m.getNotServiceAccountsCount() + m.getPrincipalsCount() + m.getNotPrincipalsCount()
                            + m.getSourceIpsCount() + m.getNotSourceIpsCount() + m.getDestinationIpsCount()
                            + m.getNotDestinationIpsCount() + m.getDestinationPortsCount() + m.getNotDestinationPortsCount();
                }
            }
            if (elements > MAX_ELEMENTS) {
                break;
            }
        }
        if (elements > MAX_ELEMENTS) {
            throw new InvalidPolicyException("policy has more than " + MAX_ELEMENTS
                    + " rules, clauses, matches and values together; split it");
        }
    }

    private static AuthorizationPolicy.Match match(Match m, String at) throws InvalidPolicyException {
        return new AuthorizationPolicy.Match(
                strings(m.getNamespacesList(), at + ".namespaces"),
                strings(m.getNotNamespacesList(), at + ".not_namespaces"),
                serviceAccounts(m.getServiceAccountsList(), at + ".service_accounts"),
                serviceAccounts(m.getNotServiceAccountsList(), at + ".not_service_accounts"),
                strings(m.getPrincipalsList(), at + ".principals"),
                strings(m.getNotPrincipalsList(), at + ".not_principals"),
                cidrs(m.getSourceIpsList(), at + ".source_ips"),
                cidrs(m.getNotSourceIpsList(), at + ".not_source_ips"),
                cidrs(m.getDestinationIpsList(), at + ".destination_ips"),
                cidrs(m.getNotDestinationIpsList(), at + ".not_destination_ips"),
                ports(m.getDestinationPortsList(), at + ".destination_ports"),
                ports(m.getNotDestinationPortsList(), at + ".not_destination_ports"));
    }

    private static List<StringMatcher> strings(List<io.ambit.proto.security.StringMatch> values, String at)
            throws InvalidPolicyException {
        List<StringMatcher> out = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            var v = values.get(i);
            out.add(switch (v.getMatchTypeCase()) {
                case EXACT -> new StringMatcher.Exact(v.getExact());
                case PREFIX -> new StringMatcher.Prefix(v.getPrefix());
                case SUFFIX -> new StringMatcher.Suffix(v.getSuffix());
                case PRESENCE -> new StringMatcher.Presence();
                case MATCHTYPE_NOT_SET -> throw new InvalidPolicyException(at + "[" + i + "]: has no match type");
            });
        }
        return out;
    }

    private static List<ServiceAccountMatcher> serviceAccounts(List<io.ambit.proto.security.ServiceAccountMatch> values, String at)
            throws InvalidPolicyException {
        List<ServiceAccountMatcher> out = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            var v = values.get(i);
            if (v.getNamespace().isEmpty() || v.getServiceAccount().isEmpty()) {
                throw new InvalidPolicyException(at + "[" + i + "]: needs both namespace and serviceAccount");
            }
            out.add(new ServiceAccountMatcher(v.getNamespace(), v.getServiceAccount()));
        }
        return out;
    }

    private static List<Cidr> cidrs(List<io.ambit.proto.security.Address> values, String at) throws InvalidPolicyException {
        List<Cidr> out = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            var v = values.get(i);
            try {
                out.add(Cidr.of(v.getAddress().toByteArray(), v.getLength()));
            } catch (IllegalArgumentException e) {
                throw new InvalidPolicyException(at + "[" + i + "]: " + e.getMessage());
            }
        }
        return out;
    }

    private static List<Integer> ports(List<Integer> values, String at) throws InvalidPolicyException {
        for (int i = 0; i < values.size(); i++) {
            int port = values.get(i);
            if (port < 1 || port > 65535) {
                throw new InvalidPolicyException(at + "[" + i + "]: port " + Integer.toUnsignedString(port) + " is not in 1-65535");
            }
        }
        return values;
    }
}
