package io.ambit.ztunnel.policy;

import static io.ambit.ztunnel.state.Fixtures.addresses;
import static io.ambit.ztunnel.state.Fixtures.authorizations;
import static io.ambit.ztunnel.state.Fixtures.removeAuthorizations;
import static io.ambit.ztunnel.state.Fixtures.bytes;
import static io.ambit.ztunnel.state.Fixtures.ip;
import static io.ambit.ztunnel.state.Fixtures.pod;
import static io.ambit.ztunnel.state.Fixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import com.google.protobuf.Empty;
import io.ambit.proto.security.Action;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Clause;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.Rule;
import io.ambit.proto.security.Scope;
import io.ambit.proto.security.ServiceAccountMatch;
import io.ambit.proto.security.StringMatch;
import io.ambit.authz.AuthorizationPolicy;
import io.ambit.authz.Decision;
import io.ambit.authz.PeerIdentity;
import io.ambit.ztunnel.state.StateSnapshot;
import io.ambit.ztunnel.state.StateStore;
import io.ambit.authz.StringMatcher;
import io.ambit.ztunnel.state.Workload;
import io.ambit.ztunnel.state.XdsStateHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Policies are written as the protobufs the xds-server sends and go through the real parser
 * ({@link XdsStateHandler}), so every case also checks that they are accepted.
 */
class L4AuthorizerTest {

    private static final Workload DEST = workload(pod("namespace", "dest", "node-a", "127.0.0.2").build());

    // ztunnel's own rbac.rs fixtures: plaintext, an mTLS peer, and another peer elsewhere.
    private static final Connection PLAINTEXT = conn(null, "127.0.0.1", "127.0.0.2", 8080);
    private static final Connection TLS = conn("spiffe://td/ns/namespace/sa/account", "127.0.0.1", "127.0.0.2", 8080);
    private static final Connection TLS_ALT = conn("spiffe://td-alt/ns/ns-alt/sa/sa-alt", "127.0.0.3", "127.0.0.4", 9090);

    static Connection conn(String identity, String src, String dst, int port) {
        return new Connection(Optional.ofNullable(identity), ip(src), ip(dst), port, DEST);
    }

    static Workload workload(io.ambit.proto.workload.Workload proto) {
        StateStore store = new StateStore();
        new XdsStateHandler(store).apply(addresses(resource(proto)));
        return store.snapshot().workload(proto.getUid()).orElseThrow();
    }

    static AuthorizationPolicy compile(Authorization proto) {
        StateStore store = new StateStore();
        assertThat(new XdsStateHandler(store).apply(authorizations(resource(proto)))).isEmpty();
        return store.snapshot().policy(proto.getNamespace() + "/" + proto.getName()).orElseThrow();
    }

    static Authorization.Builder allow(String name, Rule.Builder... rules) {
        Authorization.Builder a = Authorization.newBuilder().setNamespace("namespace").setName(name)
                .setScope(Scope.NAMESPACE).setAction(Action.ALLOW);
        Arrays.stream(rules).forEach(a::addRules);
        return a;
    }

    static Authorization.Builder deny(String name, Rule.Builder... rules) {
        return allow(name, rules).setAction(Action.DENY);
    }

    static Rule.Builder rule(Clause.Builder... clauses) {
        Rule.Builder r = Rule.newBuilder();
        Arrays.stream(clauses).forEach(r::addClauses);
        return r;
    }

    static Clause.Builder clause(Match.Builder... matches) {
        Clause.Builder c = Clause.newBuilder();
        Arrays.stream(matches).forEach(c::addMatches);
        return c;
    }

    static StringMatch exact(String v) {
        return StringMatch.newBuilder().setExact(v).build();
    }

    static StringMatch prefix(String v) {
        return StringMatch.newBuilder().setPrefix(v).build();
    }

    static StringMatch suffix(String v) {
        return StringMatch.newBuilder().setSuffix(v).build();
    }

    static StringMatch presence() {
        return StringMatch.newBuilder().setPresence(Empty.getDefaultInstance()).build();
    }

    static io.ambit.proto.security.Address cidr(String ip, int length) {
        return io.ambit.proto.security.Address.newBuilder().setAddress(bytes(ip)).setLength(length).build();
    }

    /** {@code ::ffff:a.b.c.d} as 16 bytes (the JDK would fold the literal to 4). */
    static io.ambit.proto.security.Address mapped(String v4, int length) {
        byte[] bytes = new byte[16];
        bytes[10] = (byte) 0xff;
        bytes[11] = (byte) 0xff;
        System.arraycopy(ip(v4).getAddress(), 0, bytes, 12, 4);
        return io.ambit.proto.security.Address.newBuilder().setAddress(com.google.protobuf.ByteString.copyFrom(bytes))
                .setLength(length).build();
    }

    static ServiceAccountMatch sa(String ns, String name) {
        return ServiceAccountMatch.newBuilder().setNamespace(ns).setServiceAccount(name).build();
    }

    static boolean matches(Match.Builder match, Connection c) {
        AuthorizationPolicy p = compile(allow("m", rule(clause(match))).build());
        return L4Authorizer.matches(p, c, PeerIdentity.of(c.sourceIdentity()));
    }

    // ---- every matcher, positive and negative, against the three connections (ztunnel's table) ----

    static Stream<Arguments> matchers() {
        return Stream.of(
                Arguments.of("namespaces", Match.newBuilder().addNamespaces(exact("namespace")), false, true, false),
                Arguments.of("not_namespaces", Match.newBuilder().addNotNamespaces(exact("namespace")), true, false, true),
                Arguments.of("service_accounts", Match.newBuilder().addServiceAccounts(sa("namespace", "account")), false, true, false),
                Arguments.of("not_service_accounts", Match.newBuilder().addNotServiceAccounts(sa("namespace", "account")), true, false, true),
                Arguments.of("principals", Match.newBuilder().addPrincipals(exact("td/ns/namespace/sa/account")), false, true, false),
                Arguments.of("not_principals", Match.newBuilder().addNotPrincipals(exact("td/ns/namespace/sa/account")), true, false, true),
                Arguments.of("principals presence", Match.newBuilder().addPrincipals(presence()), false, true, true),
                Arguments.of("not_principals presence (STRICT)", Match.newBuilder().addNotPrincipals(presence()), true, false, false),
                Arguments.of("principals suffix", Match.newBuilder().addPrincipals(suffix("/sa/account")), false, true, false),
                Arguments.of("principals prefix", Match.newBuilder().addPrincipals(prefix("td-alt/")), false, false, true),
                Arguments.of("principal with spiffe:// never matches", Match.newBuilder()
                        .addPrincipals(exact("spiffe://td/ns/namespace/sa/account")), false, false, false),
                Arguments.of("namespaces prefix", Match.newBuilder().addNamespaces(prefix("ns-")), false, false, true),
                Arguments.of("namespaces presence", Match.newBuilder().addNamespaces(presence()), false, true, true),
                Arguments.of("source_ips", Match.newBuilder().addSourceIps(cidr("127.0.0.1", 32)), true, true, false),
                Arguments.of("not_source_ips", Match.newBuilder().addNotSourceIps(cidr("127.0.0.1", 32)), false, false, true),
                Arguments.of("destination_ips", Match.newBuilder().addDestinationIps(cidr("127.0.0.2", 32)), true, true, false),
                Arguments.of("not_destination_ips", Match.newBuilder().addNotDestinationIps(cidr("127.0.0.2", 32)), false, false, true),
                Arguments.of("cidr range with host bits", Match.newBuilder().addDestinationIps(cidr("127.0.0.1", 24)), true, true, true),
                Arguments.of("destination_ports", Match.newBuilder().addDestinationPorts(8080), true, true, false),
                Arguments.of("not_destination_ports", Match.newBuilder().addNotDestinationPorts(8080), false, false, true),
                Arguments.of("values of a field are OR-ed", Match.newBuilder().addDestinationPorts(8080).addDestinationPorts(9090),
                        true, true, true),
                Arguments.of("fields are AND-ed", Match.newBuilder().addDestinationPorts(8080).addPrincipals(presence()),
                        false, true, false),
                Arguments.of("positive and not_ of one field", Match.newBuilder().addNamespaces(presence())
                        .addNotNamespaces(exact("ns-alt")), false, true, false),
                Arguments.of("empty match never matches", Match.newBuilder(), false, false, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matchers")
    void matcher(String what, Match.Builder match, boolean plaintext, boolean tls, boolean tlsAlt) {
        assertThat(matches(match, PLAINTEXT)).as("plaintext").isEqualTo(plaintext);
        assertThat(matches(match, TLS)).as("tls").isEqualTo(tls);
        assertThat(matches(match, TLS_ALT)).as("tls alt").isEqualTo(tlsAlt);
    }

    static Stream<Arguments> stringMatches() {
        return Stream.of(
                Arguments.of(new StringMatcher.Exact("foo"), "foo", true),
                Arguments.of(new StringMatcher.Exact("foo"), "not", false),
                Arguments.of(new StringMatcher.Exact("foo"), "", false),
                Arguments.of(new StringMatcher.Prefix("foo"), "foobar", true),
                Arguments.of(new StringMatcher.Prefix("foo"), "notfoo", false),
                Arguments.of(new StringMatcher.Prefix("foo"), "", false),
                Arguments.of(new StringMatcher.Suffix("foo"), "barfoo", true),
                Arguments.of(new StringMatcher.Suffix("foo"), "foonot", false),
                Arguments.of(new StringMatcher.Suffix("foo"), "", false),
                Arguments.of(new StringMatcher.Presence(), "foo", true),
                Arguments.of(new StringMatcher.Presence(), "", false));
    }

    @ParameterizedTest(name = "{0} on \"{1}\" → {2}")
    @MethodSource("stringMatches")
    void stringMatch(StringMatcher matcher, String value, boolean expected) {
        assertThat(matcher.matches(value)).isEqualTo(expected);
    }

    static Stream<Arguments> ipv6() {
        return Stream.of(
                Arguments.of(cidr("fd00::", 8), "fd12:3456::1", true),
                Arguments.of(cidr("fd00::", 8), "fe80::1", false),
                Arguments.of(cidr("2001:db8::", 32), "2001:db8:ffff::1", true),
                Arguments.of(cidr("2001:db8::", 33), "2001:db8:8000::1", false),
                Arguments.of(cidr("2001:db8::1", 128), "2001:db8::1", true),
                Arguments.of(cidr("2001:db8::1", 128), "2001:db8::2", false),
                Arguments.of(cidr("2001:db8::ffff", 112), "2001:db8::1", true), // host bits masked
                Arguments.of(cidr("::", 0), "2001:db8::1", true),
                Arguments.of(cidr("::", 0), "10.0.0.1", false),                // families never mix
                Arguments.of(cidr("0.0.0.0", 0), "2001:db8::1", false),
                Arguments.of(mapped("10.0.0.0", 104), "10.0.0.1", false),        // nor through IPv4-mapped prefixes
                Arguments.of(cidr("10.1.2.3", 23), "10.1.3.200", true),
                Arguments.of(cidr("10.1.2.3", 23), "10.1.4.1", false));
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @MethodSource("ipv6")
    void cidrs(io.ambit.proto.security.Address cidr, String source, boolean expected) {
        Connection c = conn(null, source, "127.0.0.2", 8080);
        assertThat(matches(Match.newBuilder().addSourceIps(cidr), c)).isEqualTo(expected);
        assertThat(matches(Match.newBuilder().addNotSourceIps(cidr), c)).isEqualTo(!expected);
    }

    // ---- structure: rules OR, clauses AND, matches OR, and the empty forms ----

    @Test
    void emptyStructuresReadAsZtunnelReadsThem() {
        var peer = PeerIdentity.of(PLAINTEXT.sourceIdentity());
        assertThat(L4Authorizer.matches(compile(allow("no-rules").build()), PLAINTEXT, peer)).as("no rules").isFalse();
        assertThat(L4Authorizer.matches(compile(allow("rule-no-clause", rule()).build()), PLAINTEXT, peer))
                .as("a rule without clauses").isTrue();
        assertThat(L4Authorizer.matches(compile(allow("clause-no-match", rule(clause())).build()), PLAINTEXT, peer))
                .as("a clause without matches").isTrue();
        assertThat(L4Authorizer.matches(compile(allow("empty-match", rule(clause(Match.newBuilder()))).build()), PLAINTEXT, peer))
                .as("an empty match").isFalse();
        assertThat(L4Authorizer.matches(compile(allow("empty-or-port", rule(clause(Match.newBuilder(),
                Match.newBuilder().addDestinationPorts(8080)))).build()), PLAINTEXT, peer))
                .as("an empty match beside one that matches").isTrue();
    }

    @Test
    void clausesAreAndedMatchesOredRulesOred() {
        var nested = compile(allow("nested", rule(
                clause(Match.newBuilder().addNamespaces(exact("a")), Match.newBuilder().addNamespaces(exact("b"))),
                clause(Match.newBuilder().addDestinationPorts(80)))).build());
        assertThat(matchesAll(nested, conn("spiffe://td/ns/a/sa/x", "1.1.1.1", "127.0.0.2", 80))).isTrue();
        assertThat(matchesAll(nested, conn("spiffe://td/ns/b/sa/x", "1.1.1.1", "127.0.0.2", 80))).isTrue();
        assertThat(matchesAll(nested, conn("spiffe://td/ns/bad/sa/x", "1.1.1.1", "127.0.0.2", 80))).isFalse();
        assertThat(matchesAll(nested, conn("spiffe://td/ns/b/sa/x", "1.1.1.1", "127.0.0.2", 12345))).isFalse();

        var multi = compile(allow("multi",
                rule(clause(Match.newBuilder().addNamespaces(exact("a")))),
                rule(clause(Match.newBuilder().addNamespaces(exact("b"))))).build());
        assertThat(matchesAll(multi, conn("spiffe://td/ns/b/sa/x", "1.1.1.1", "127.0.0.2", 80))).isTrue();
        assertThat(matchesAll(multi, conn("spiffe://td/ns/c/sa/x", "1.1.1.1", "127.0.0.2", 80))).isFalse();
    }

    private static boolean matchesAll(AuthorizationPolicy p, Connection c) {
        return L4Authorizer.matches(p, c, PeerIdentity.of(c.sourceIdentity()));
    }

    @Test
    void anIdentityNotInIstiosFormHasNoNamespaceOrServiceAccount() {
        Connection odd = conn("spiffe://td/workload/x", "127.0.0.1", "127.0.0.2", 8080);
        assertThat(matches(Match.newBuilder().addPrincipals(exact("td/workload/x")), odd)).isTrue();
        assertThat(matches(Match.newBuilder().addNamespaces(presence()), odd)).isFalse();
        assertThat(matches(Match.newBuilder().addNotServiceAccounts(sa("td", "x")), odd)).isTrue();
        Connection noScheme = conn("td/ns/namespace/sa/account", "127.0.0.1", "127.0.0.2", 8080);
        assertThat(matches(Match.newBuilder().addPrincipals(presence()), noScheme)).isFalse();
    }

    // ---- decision order ----

    static final Rule.Builder FROM_TLS = rule(clause(Match.newBuilder().addPrincipals(exact("td/ns/namespace/sa/account"))));
    static final Rule.Builder ON_9090 = rule(clause(Match.newBuilder().addDestinationPorts(9090)));
    static final Rule.Builder ON_8080 = rule(clause(Match.newBuilder().addDestinationPorts(8080)));

    static Stream<Arguments> decisions() {
        return Stream.of(
                Arguments.of("no policy", List.of(), TLS, true, Decision.Reason.NO_ALLOW_POLICY, null),
                Arguments.of("only a DENY that does not match", List.of(deny("d", ON_9090)), TLS, true, Decision.Reason.NO_ALLOW_POLICY, null),
                Arguments.of("a DENY that matches", List.of(deny("d", ON_8080)), TLS, false, Decision.Reason.DENIED_BY_POLICY, "namespace/d"),
                Arguments.of("an ALLOW that matches", List.of(allow("a", FROM_TLS)), TLS, true, Decision.Reason.ALLOWED_BY_POLICY, "namespace/a"),
                Arguments.of("an ALLOW that does not match", List.of(allow("a", FROM_TLS)), TLS_ALT, false,
                        Decision.Reason.NO_ALLOW_POLICY_MATCHED, null),
                Arguments.of("DENY beats ALLOW", List.of(allow("a", FROM_TLS), deny("d", ON_8080)), TLS, false,
                        Decision.Reason.DENIED_BY_POLICY, "namespace/d"),
                Arguments.of("second ALLOW matches", List.of(allow("a", ON_9090), allow("b", ON_8080)), PLAINTEXT, true,
                        Decision.Reason.ALLOWED_BY_POLICY, "namespace/b"),
                Arguments.of("spec: {} (ALLOW, no rules) denies everything", List.of(allow("empty")), TLS, false,
                        Decision.Reason.NO_ALLOW_POLICY_MATCHED, null),
                Arguments.of("spec: {} beside a matching ALLOW", List.of(allow("empty"), allow("a", FROM_TLS)), TLS, true,
                        Decision.Reason.ALLOWED_BY_POLICY, "namespace/a"),
                Arguments.of("DENY without rules denies nothing", List.of(deny("empty")), PLAINTEXT, true,
                        Decision.Reason.NO_ALLOW_POLICY, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decisionOrder(String what, List<Authorization.Builder> policies, Connection c, boolean allowed, Decision.Reason reason,
                       String policy) {
        Decision d = L4Authorizer.decide(c, policies.stream().map(b -> compile(b.build())).toList());
        assertThat(d.allowed()).isEqualTo(allowed);
        assertThat(d.reason()).isEqualTo(reason);
        assertThat(d.policy()).isEqualTo(Optional.ofNullable(policy));
        assertThat(d.dryRun()).isEmpty();
    }

    // ---- dry run ----

    @Test
    void aDryRunDenyIsReportedButNotEnforced() {
        Decision d = L4Authorizer.decide(TLS, List.of(compile(deny("d", ON_8080).setDryRun(true).build())));
        assertThat(d.allowed()).isTrue();
        assertThat(d.reason()).isEqualTo(Decision.Reason.NO_ALLOW_POLICY);
        assertThat(d.dryRun()).hasValueSatisfying(would -> {
            assertThat(would.allowed()).isFalse();
            assertThat(would.policy()).contains("namespace/d");
        });
        assertThat(d.dryRunDiffers()).isTrue();
    }

    @Test
    void aDryRunAllowDoesNotCountAsAnAllowPolicy() {
        // Enforced, this ALLOW would shut out TLS_ALT; in dry run it must not.
        Decision d = L4Authorizer.decide(TLS_ALT, List.of(compile(allow("a", FROM_TLS).setDryRun(true).build())));
        assertThat(d.allowed()).isTrue();
        assertThat(d.dryRun().orElseThrow().reason()).isEqualTo(Decision.Reason.NO_ALLOW_POLICY_MATCHED);

        Decision enforcedDeny = L4Authorizer.decide(TLS, List.of(compile(deny("d", ON_8080).build()),
                compile(allow("a", FROM_TLS).setDryRun(true).build())));
        assertThat(enforcedDeny.allowed()).isFalse();
        assertThat(enforcedDeny.policy()).contains("namespace/d");
        assertThat(enforcedDeny.dryRunDiffers()).isFalse();
    }

    // ---- policies exactly as the xds-server's translator emits them ----

    /** PeerAuthentications.policies(): the static STRICT policy in the root namespace. */
    static final Authorization STATIC_STRICT = Authorization.newBuilder()
            .setName("istio_converted_static_strict").setNamespace("istio-system")
            .setScope(Scope.WORKLOAD_SELECTOR).setAction(Action.DENY)
            .addRules(Rule.newBuilder().addClauses(Clause.newBuilder()
                    .addMatches(Match.newBuilder().addNotPrincipals(presence()))))
            .build();

    @Test
    void peerAuthenticationStrictDeniesPlaintextThroughTheState() {
        StateStore store = new StateStore();
        XdsStateHandler handler = new XdsStateHandler(store);
        var strictPod = pod("demo", "echo", "node-a", "10.244.1.7")
                .addAuthorizationPolicies("istio-system/istio_converted_static_strict").build();
        var openPod = pod("demo", "open", "node-a", "10.244.1.8").build();
        assertThat(handler.apply(addresses(resource(strictPod), resource(openPod)))).isEmpty();
        assertThat(handler.apply(authorizations(resource(STATIC_STRICT)))).isEmpty();
        L4Authorizer authorizer = new L4Authorizer();
        Workload echo = store.snapshot().workload(strictPod.getUid()).orElseThrow();
        Workload open = store.snapshot().workload(openPod.getUid()).orElseThrow();

        Decision plaintext = authorizer.authorize(new Connection(Optional.empty(), ip("10.244.2.5"), ip("10.244.1.7"), 8080, echo), store.snapshot());
        assertThat(plaintext.allowed()).isFalse();
        assertThat(plaintext.policy()).contains("istio-system/istio_converted_static_strict");
        assertThat(plaintext.describe()).isEqualTo("denied: explicitly denied by istio-system/istio_converted_static_strict");

        Decision mtls = authorizer.authorize(new Connection(Optional.of("spiffe://cluster.local/ns/demo/sa/sleep"),
                ip("10.244.2.5"), ip("10.244.1.7"), 8080, echo), store.snapshot());
        assertThat(mtls.allowed()).isTrue();

        // Not referenced by the workload: does not apply.
        assertThat(authorizer.authorize(new Connection(Optional.empty(), ip("10.244.2.5"), ip("10.244.1.8"), 8080, open), store.snapshot()).allowed())
                .isTrue();
    }

    @Test
    void oneDecisionReadsOneSnapshotEvenWhenTheStateMovesOn() {
        StateStore store = new StateStore();
        XdsStateHandler handler = new XdsStateHandler(store);
        var strictPod = pod("demo", "echo", "node-a", "10.244.1.7")
                .addAuthorizationPolicies("istio-system/istio_converted_static_strict").build();
        assertThat(handler.apply(addresses(resource(strictPod)))).isEmpty();
        assertThat(handler.apply(authorizations(resource(STATIC_STRICT)))).isEmpty();
        StateSnapshot before = store.snapshot();
        Workload echo = before.workload(strictPod.getUid()).orElseThrow();

        // The policy goes away after the destination was read, before the decision is made.
        assertThat(handler.apply(removeAuthorizations("istio-system/istio_converted_static_strict"))).isEmpty();
        Connection plaintext = new Connection(Optional.empty(), ip("10.244.2.5"), ip("10.244.1.7"), 8080, echo);

        assertThat(new L4Authorizer().authorize(plaintext, before).allowed())
                .as("decided with the snapshot the destination came from").isFalse();
        assertThat(new L4Authorizer().authorize(plaintext, store.snapshot()).allowed())
                .as("the next decision sees the new state").isTrue();
    }

    @Test
    void portLevelPeerAuthenticationAsConverted() {
        // STRICT workload default with 9090 PERMISSIVE: rule = no identity AND not port 9090.
        var strictExcept9090 = compile(Authorization.newBuilder()
                .setName("converted_peer_authentication_echo").setNamespace("demo")
                .setScope(Scope.WORKLOAD_SELECTOR).setAction(Action.DENY)
                .addRules(Rule.newBuilder()
                        .addClauses(Clause.newBuilder().addMatches(Match.newBuilder().addNotPrincipals(presence())))
                        .addClauses(Clause.newBuilder().addMatches(Match.newBuilder().addNotDestinationPorts(9090))))
                .build());
        assertThat(L4Authorizer.decide(conn(null, "1.1.1.1", "127.0.0.2", 8080), List.of(strictExcept9090)).allowed()).isFalse();
        assertThat(L4Authorizer.decide(conn(null, "1.1.1.1", "127.0.0.2", 9090), List.of(strictExcept9090)).allowed()).isTrue();
        assertThat(L4Authorizer.decide(TLS, List.of(strictExcept9090)).allowed()).isTrue();

        // PERMISSIVE workload with 8080 STRICT: one rule "no identity and port 8080".
        var strict8080 = compile(Authorization.newBuilder()
                .setName("converted_peer_authentication_echo").setNamespace("demo")
                .setScope(Scope.WORKLOAD_SELECTOR).setAction(Action.DENY)
                .addRules(Rule.newBuilder().addClauses(Clause.newBuilder()
                        .addMatches(Match.newBuilder().addNotPrincipals(presence()).addDestinationPorts(8080))))
                .build());
        assertThat(L4Authorizer.decide(conn(null, "1.1.1.1", "127.0.0.2", 8080), List.of(strict8080)).allowed()).isFalse();
        assertThat(L4Authorizer.decide(conn(null, "1.1.1.1", "127.0.0.2", 9090), List.of(strict8080)).allowed()).isTrue();
    }

    @Test
    void authorizationPolicyAsTranslated() {
        // ALLOW from: principals [cluster.local/ns/demo/sa/sleep], namespaces [prod-*]; to: ports [8080]
        // → AuthorizationRules: the to-clause first, then the from-clause (one match per source).
        var policy = compile(Authorization.newBuilder().setName("echo-allow").setNamespace("demo")
                .setScope(Scope.WORKLOAD_SELECTOR).setAction(Action.ALLOW)
                .addRules(Rule.newBuilder()
                        .addClauses(Clause.newBuilder().addMatches(Match.newBuilder().addDestinationPorts(8080)))
                        .addClauses(Clause.newBuilder()
                                .addMatches(Match.newBuilder().addPrincipals(exact("cluster.local/ns/demo/sa/sleep")))
                                .addMatches(Match.newBuilder().addNamespaces(prefix("prod-")))))
                .build());
        assertThat(L4Authorizer.decide(conn("spiffe://cluster.local/ns/demo/sa/sleep", "1.1.1.1", "127.0.0.2", 8080),
                List.of(policy)).allowed()).isTrue();
        assertThat(L4Authorizer.decide(conn("spiffe://cluster.local/ns/prod-eu/sa/any", "1.1.1.1", "127.0.0.2", 8080),
                List.of(policy)).allowed()).isTrue();
        assertThat(L4Authorizer.decide(conn("spiffe://cluster.local/ns/demo/sa/sleep", "1.1.1.1", "127.0.0.2", 9090),
                List.of(policy)).allowed()).isFalse();
        assertThat(L4Authorizer.decide(conn("spiffe://cluster.local/ns/demo/sa/other", "1.1.1.1", "127.0.0.2", 8080),
                List.of(policy)).allowed()).isFalse();
        assertThat(L4Authorizer.decide(conn(null, "1.1.1.1", "127.0.0.2", 8080), List.of(policy)).allowed()).isFalse();

        // DENY from: serviceAccounts [demo/sleep], when source.ip notValues [10.0.0.0/8]
        var deny = compile(Authorization.newBuilder().setName("deny-sleep-outside").setNamespace("demo")
                .setScope(Scope.NAMESPACE).setAction(Action.DENY)
                .addRules(Rule.newBuilder()
                        .addClauses(Clause.newBuilder().addMatches(Match.newBuilder().addServiceAccounts(sa("demo", "sleep"))))
                        .addClauses(Clause.newBuilder().addMatches(Match.newBuilder().addNotSourceIps(cidr("10.0.0.0", 8)))))
                .build());
        assertThat(L4Authorizer.decide(conn("spiffe://cluster.local/ns/demo/sa/sleep", "192.168.1.1", "127.0.0.2", 80),
                List.of(deny)).allowed()).isFalse();
        assertThat(L4Authorizer.decide(conn("spiffe://cluster.local/ns/demo/sa/sleep", "10.1.1.1", "127.0.0.2", 80),
                List.of(deny)).allowed()).isTrue();
        assertThat(L4Authorizer.decide(conn("spiffe://other.domain/ns/demo/sa/sleep", "192.168.1.1", "127.0.0.2", 80),
                List.of(deny)).allowed()).as("service accounts ignore the trust domain, as in ztunnel").isFalse();
    }
}
