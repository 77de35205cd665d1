package io.ambit.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.google.protobuf.ByteString;
import io.ambit.proto.security.Action;
import io.ambit.proto.security.Address;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Clause;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.Rule;
import io.ambit.proto.security.Scope;
import io.ambit.proto.security.StringMatch;
import org.junit.jupiter.api.Test;

/**
 * The shared evaluator on its own (ztunnel's L4AuthorizerTest covers its cases through ztunnel's
 * state): the parser's refusals, which policies apply in which order, and a decision naming its policy.
 */
class L4PolicyTest {

    static final L4Request SLEEP = new L4Request(Optional.of("spiffe://cluster.local/ns/demo/sa/sleep"),
            InetAddress.ofLiteral("10.244.1.10"), InetAddress.ofLiteral("10.244.2.10"), 8080);
    static final L4Request PLAIN = new L4Request(Optional.empty(),
            InetAddress.ofLiteral("10.244.1.11"), InetAddress.ofLiteral("10.244.2.10"), 8080);

    static Authorization.Builder allowSleep() {
        return Authorization.newBuilder().setName("allow-sleep").setNamespace("demo").setScope(Scope.NAMESPACE).setAction(Action.ALLOW)
                .addRules(Rule.newBuilder().addClauses(Clause.newBuilder().addMatches(
                        Match.newBuilder().addPrincipals(StringMatch.newBuilder().setExact("cluster.local/ns/demo/sa/sleep")))));
    }

    @Test
    void decidesAndNamesThePolicy() throws InvalidPolicyException {
        AuthorizationPolicy allow = AuthorizationParser.parse(allowSleep().build());
        assertThat(L4Policy.decide(SLEEP, List.of(allow)).describe()).isEqualTo("allowed by demo/allow-sleep");
        assertThat(L4Policy.decide(PLAIN, List.of(allow)).describe()).isEqualTo("denied: allow policies exist, but none allowed");
        assertThat(L4Policy.decide(PLAIN, List.of()).describe()).isEqualTo("allowed: no allow policies");
    }

    @Test
    void refusesWhatItCannotReadInsteadOfWideningIt() {
        Authorization badAddress = allowSleep().setRules(0, Rule.newBuilder().addClauses(Clause.newBuilder().addMatches(
                Match.newBuilder().addSourceIps(Address.newBuilder().setAddress(ByteString.copyFrom(new byte[3])).setLength(24))))).build();
        assertThatThrownBy(() -> AuthorizationParser.parse(badAddress)).isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining("rules[0].clauses[0].matches[0].source_ips[0]");
        assertThatThrownBy(() -> AuthorizationParser.parse(allowSleep().setName("").build())).hasMessage("authorization has no name");
        Authorization badPort = allowSleep().setRules(0, Rule.newBuilder().addClauses(Clause.newBuilder().addMatches(
                Match.newBuilder().addDestinationPorts(70000)))).build();
        assertThatThrownBy(() -> AuthorizationParser.parse(badPort)).hasMessageContaining("port 70000 is not in 1-65535");
    }

    @Test
    void gathersNamespaceThenGlobalThenSelectedPoliciesOnceEach() throws InvalidPolicyException {
        AuthorizationPolicy ns = AuthorizationParser.parse(allowSleep().build());
        AuthorizationPolicy global = AuthorizationParser.parse(allowSleep().setName("global").setNamespace("istio-system").setScope(Scope.GLOBAL).build());
        AuthorizationPolicy selected = AuthorizationParser.parse(allowSleep().setName("selected").setScope(Scope.WORKLOAD_SELECTOR).build());
        Map<String, AuthorizationPolicy> all = Map.of(ns.key(), ns, global.key(), global, selected.key(), selected);
        assertThat(L4Policy.applicable(List.of(ns.key()), List.of(global.key()), List.of(selected.key(), ns.key(), "demo/not-yet"), all::get))
                .extracting(AuthorizationPolicy::key).containsExactly("demo/allow-sleep", "istio-system/global", "demo/selected");
    }
}
