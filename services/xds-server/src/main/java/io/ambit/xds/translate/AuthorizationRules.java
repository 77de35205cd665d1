package io.ambit.xds.translate;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import io.ambit.gatewayapi.istio.AuthorizationPolicySpec;
import io.ambit.gatewayapi.istio.AuthorizationPolicySpec.Condition;
import io.ambit.gatewayapi.istio.AuthorizationPolicySpec.Operation;
import io.ambit.gatewayapi.istio.AuthorizationPolicySpec.Source;
import io.ambit.proto.security.Action;
import io.ambit.proto.security.Clause;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.Rule;

/**
 * One AuthorizationPolicy rule → one {@code istio.security.Rule}, as istiod's ambient index maps
 * it: the {@code to} entries form one clause, the {@code from} entries another, each {@code when}
 * condition one more (clauses AND-ed, the matches of a clause OR-ed).
 *
 * <p>HTTP attributes, exactly as istiod's {@code handleRule}: in an ALLOW policy a rule using one
 * is dropped (the policy allows less). In a DENY policy the HTTP parts are left out of each match;
 * a match that had only HTTP parts is sent empty, which ztunnel reads as matching nothing, so a
 * clause made only of such matches (a {@code when} on a request header, a {@code to} with only
 * {@code paths}) keeps its rule from ever firing. A DENY whose rules all end up like that denies
 * nothing at L4 (see {@link #effective}); it never becomes a deny-all.
 *
 * <p>Refused values (an unparseable port or CIDR) are Ambit's own stricter choice, failing closed:
 * in an ALLOW the rule is dropped; in a DENY only that constraint goes, so a match left without
 * any constraint would match everything; its clause is then left out (a rule with no clause
 * matches every connection). istiod silently skips such values instead.
 */
final class AuthorizationRules {

    /** The {@code when} keys ztunnel enforces (istiod's {@code l4WhenAttributes}); any other key is L7. */
    static final Set<String> L4_WHEN_KEYS = Set.of(
            "source.ip", "source.namespace", "source.principal", "destination.ip", "destination.port");

    private final Action action;
    private final String policyNamespace;
    /** L7 attribute names met in the whole policy, for one finding. */
    final Set<String> l7Found = new TreeSet<>();
    /** One message per refused value. */
    final List<String> problems = new ArrayList<>();

    AuthorizationRules(Action action, String policyNamespace) {
        this.action = action;
        this.policyNamespace = policyNamespace;
    }

    /**
     * Whether a rule can ever fire in ztunnel: every clause has a non-empty match (ztunnel skips
     * empty ones). A rule with no clause always fires. istiod's {@code hasEffectiveRules}.
     */
    static boolean effective(Rule rule) {
        return rule.getClausesList().stream()
                .allMatch(c -> c.getMatchesList().stream().anyMatch(m -> !m.equals(Match.getDefaultInstance())));
    }

    /** A converted match, and whether it is empty because it had nothing but HTTP attributes. */
    private record Built(Match match, boolean onlyHttp) {
        boolean unconstrained() {
            return match.equals(Match.getDefaultInstance()) && !onlyHttp;
        }
    }

    /** Empty when an ALLOW rule has to be dropped. */
    Optional<Rule> convert(AuthorizationPolicySpec.Rule rule, int index) {
        RuleBuilder builder = new RuleBuilder("rules[" + index + "]");
        if (rule.to() != null && !rule.to().isEmpty()) {
            List<Built> matches = new ArrayList<>();
            for (int i = 0; i < rule.to().size(); i++) {
                matches.add(builder.operation(rule.to().get(i).operation(), "rules[" + index + "].to[" + i + "].operation"));
            }
            builder.clause(matches);
        }
        if (rule.from() != null && !rule.from().isEmpty()) {
            List<Built> matches = new ArrayList<>();
            for (int i = 0; i < rule.from().size(); i++) {
                matches.add(builder.source(rule.from().get(i).source(), "rules[" + index + "].from[" + i + "].source"));
            }
            builder.clause(matches);
        }
        if (rule.when() != null) {
            for (int i = 0; i < rule.when().size(); i++) {
                builder.clause(List.of(builder.condition(rule.when().get(i), "rules[" + index + "].when[" + i + "]")));
            }
        }
        return builder.dropped ? Optional.empty() : Optional.of(builder.rule.build());
    }

    private final class RuleBuilder {
        private final String path;
        private final Rule.Builder rule = Rule.newBuilder();
        private boolean dropped;
        /** Whether the match being built met an HTTP attribute. */
        private boolean http;

        RuleBuilder(String path) {
            this.path = path;
        }

        /**
         * A clause with an unconstrained match is always true: it adds nothing to the AND. Empty
         * matches that had only HTTP attributes stay, as istiod sends them: ztunnel skips them.
         */
        void clause(List<Built> matches) {
            if (matches.stream().noneMatch(Built::unconstrained)) {
                rule.addClauses(Clause.newBuilder().addAllMatches(matches.stream().map(Built::match).toList()));
            }
        }

        private Built built(Match.Builder match) {
            Match m = match.build();
            return new Built(m, http && m.equals(Match.getDefaultInstance()));
        }

        Built operation(Operation op, String at) {
            Match.Builder match = Match.newBuilder();
            http = false;
            if (op == null || isEmpty(op)) {
                invalid(at, "is empty (Istio requires at least one field)");
                return built(match);
            }
            l7(op.hosts(), "hosts");
            l7(op.notHosts(), "notHosts");
            l7(op.methods(), "methods");
            l7(op.notMethods(), "notMethods");
            l7(op.paths(), "paths");
            l7(op.notPaths(), "notPaths");
            parse(op.ports(), at + ".ports", "is not a port (1-65535)", L4Values::port).ifPresent(match::addAllDestinationPorts);
            parse(op.notPorts(), at + ".notPorts", "is not a port (1-65535)", L4Values::port).ifPresent(match::addAllNotDestinationPorts);
            return built(match);
        }

        Built source(Source source, String at) {
            Match.Builder match = Match.newBuilder();
            http = false;
            if (source == null || isEmpty(source)) {
                invalid(at, "is empty (Istio requires at least one field)");
                return built(match);
            }
            l7(source.requestPrincipals(), "requestPrincipals");
            l7(source.notRequestPrincipals(), "notRequestPrincipals");
            l7(source.remoteIpBlocks(), "remoteIpBlocks");
            l7(source.notRemoteIpBlocks(), "notRemoteIpBlocks");
            strings(source.principals()).ifPresent(match::addAllPrincipals);
            strings(source.notPrincipals()).ifPresent(match::addAllNotPrincipals);
            strings(source.namespaces()).ifPresent(match::addAllNamespaces);
            strings(source.notNamespaces()).ifPresent(match::addAllNotNamespaces);
            String saForm = "is not a service account (ns/sa or sa)";
            parse(source.serviceAccounts(), at + ".serviceAccounts", saForm, v -> L4Values.serviceAccount(v, policyNamespace))
                    .ifPresent(match::addAllServiceAccounts);
            parse(source.notServiceAccounts(), at + ".notServiceAccounts", saForm, v -> L4Values.serviceAccount(v, policyNamespace))
                    .ifPresent(match::addAllNotServiceAccounts);
            parse(source.ipBlocks(), at + ".ipBlocks", "is not an IP address or CIDR", L4Values::cidr).ifPresent(match::addAllSourceIps);
            parse(source.notIpBlocks(), at + ".notIpBlocks", "is not an IP address or CIDR", L4Values::cidr)
                    .ifPresent(match::addAllNotSourceIps);
            return built(match);
        }

        Built condition(Condition when, String at) {
            Match.Builder match = Match.newBuilder();
            http = false;
            String key = when.key() == null ? "" : when.key();
            if (!L4_WHEN_KEYS.contains(key)) {
                l7(List.of(key), key.isEmpty() ? "when without key" : key);
                return built(match);
            }
            if (isEmpty(when.values()) && isEmpty(when.notValues())) {
                invalid(at, "has neither values nor notValues");
                return built(match);
            }
            String values = at + ".values";
            String notValues = at + ".notValues";
            switch (key) {
                case "source.ip" -> {
                    parse(when.values(), values, "is not an IP address or CIDR", L4Values::cidr).ifPresent(match::addAllSourceIps);
                    parse(when.notValues(), notValues, "is not an IP address or CIDR", L4Values::cidr).ifPresent(match::addAllNotSourceIps);
                }
                case "destination.ip" -> {
                    parse(when.values(), values, "is not an IP address or CIDR", L4Values::cidr).ifPresent(match::addAllDestinationIps);
                    parse(when.notValues(), notValues, "is not an IP address or CIDR", L4Values::cidr)
                            .ifPresent(match::addAllNotDestinationIps);
                }
                case "destination.port" -> {
                    parse(when.values(), values, "is not a port (1-65535)", L4Values::port).ifPresent(match::addAllDestinationPorts);
                    parse(when.notValues(), notValues, "is not a port (1-65535)", L4Values::port)
                            .ifPresent(match::addAllNotDestinationPorts);
                }
                case "source.namespace" -> {
                    strings(when.values()).ifPresent(match::addAllNamespaces);
                    strings(when.notValues()).ifPresent(match::addAllNotNamespaces);
                }
                default -> { // source.principal
                    strings(when.values()).ifPresent(match::addAllPrincipals);
                    strings(when.notValues()).ifPresent(match::addAllNotPrincipals);
                }
            }
            return built(match);
        }

        private void l7(List<String> values, String name) {
            if (!isEmpty(values)) {
                http = true;
                l7Found.add(name);
                if (action == Action.ALLOW) {
                    dropped = true;
                }
            }
        }

        /** Every value must parse; one refused value drops the whole field (DENY) or the rule (ALLOW). */
        private <T> Optional<List<T>> parse(List<String> raw, String at, String what, Function<String, Optional<T>> parser) {
            if (isEmpty(raw)) {
                return Optional.empty();
            }
            List<T> parsed = new ArrayList<>();
            for (String value : raw) {
                Optional<T> one = parser.apply(value);
                if (one.isEmpty()) {
                    invalid(at, "\"" + value + "\" " + what);
                    return Optional.empty();
                }
                parsed.add(one.get());
            }
            return Optional.of(parsed);
        }

        private Optional<List<io.ambit.proto.security.StringMatch>> strings(List<String> raw) {
            return isEmpty(raw) ? Optional.empty() : Optional.of(raw.stream().map(L4Values::string).toList());
        }

        private void invalid(String at, String what) {
            if (action == Action.ALLOW) {
                dropped = true;
                problems.add(at + " " + what + "; " + path + " is left out, so the policy allows less than written");
            } else {
                problems.add(at + " " + what + "; that constraint is left out, so " + path + " denies more than written");
            }
        }
    }

    private static boolean isEmpty(List<?> list) {
        return list == null || list.isEmpty();
    }

    private static boolean isEmpty(Operation op) {
        return isEmpty(op.hosts()) && isEmpty(op.notHosts()) && isEmpty(op.ports()) && isEmpty(op.notPorts())
                && isEmpty(op.methods()) && isEmpty(op.notMethods()) && isEmpty(op.paths()) && isEmpty(op.notPaths());
    }

    private static boolean isEmpty(Source s) {
        return isEmpty(s.principals()) && isEmpty(s.notPrincipals()) && isEmpty(s.requestPrincipals())
                && isEmpty(s.notRequestPrincipals()) && isEmpty(s.namespaces()) && isEmpty(s.notNamespaces())
                && isEmpty(s.serviceAccounts()) && isEmpty(s.notServiceAccounts()) && isEmpty(s.ipBlocks())
                && isEmpty(s.notIpBlocks()) && isEmpty(s.remoteIpBlocks()) && isEmpty(s.notRemoteIpBlocks());
    }
}
