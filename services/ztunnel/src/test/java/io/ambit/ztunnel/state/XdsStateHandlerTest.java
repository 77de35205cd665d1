package io.ambit.ztunnel.state;

import io.ambit.authz.AuthorizationPolicy;
import static io.ambit.ztunnel.state.Fixtures.addresses;
import static io.ambit.ztunnel.state.Fixtures.authorizations;
import static io.ambit.ztunnel.state.Fixtures.bytes;
import static io.ambit.ztunnel.state.Fixtures.ip;
import static io.ambit.ztunnel.state.Fixtures.named;
import static io.ambit.ztunnel.state.Fixtures.pod;
import static io.ambit.ztunnel.state.Fixtures.ports;
import static io.ambit.ztunnel.state.Fixtures.removeAddresses;
import static io.ambit.ztunnel.state.Fixtures.removeAuthorizations;
import static io.ambit.ztunnel.state.Fixtures.resource;
import static io.ambit.ztunnel.state.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.ambit.proto.security.Action;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Clause;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.Rule;
import io.ambit.proto.security.Scope;
import io.ambit.proto.security.ServiceAccountMatch;
import io.ambit.proto.security.StringMatch;
import io.ambit.proto.workload.Address;
import io.ambit.proto.workload.GatewayAddress;
import io.ambit.proto.workload.NetworkAddress;
import io.ambit.proto.workload.Port;
import io.ambit.proto.workload.PortList;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.xdsclient.XdsTypes;
import io.ambit.xdsclient.XdsUpdate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class XdsStateHandlerTest {

    private final StateStore store = new StateStore();
    private final XdsStateHandler handler = new XdsStateHandler(store);

    private static final io.ambit.proto.workload.Workload SLEEP = pod("demo", "sleep", "node-a", "10.244.1.5")
            .putServices("demo/sleep.demo.svc.cluster.local", ports(80, 8080)).build();
    private static final io.ambit.proto.workload.Workload ECHO = pod("demo", "echo", "node-b", "10.244.2.7")
            .addAddresses(bytes("fd00::7"))
            .putServices("demo/echo.demo.svc.cluster.local", ports(80, 9090))
            .addAuthorizationPolicies("demo/echo-only").build();
    private static final io.ambit.proto.workload.Service ECHO_SVC = service("demo", "echo", "10.96.0.10", 80, 9090).build();

    private static Authorization policy(String ns, String name, Scope scope, Action action) {
        return Authorization.newBuilder().setNamespace(ns).setName(name).setScope(scope).setAction(action).build();
    }

    @Test
    void appliesWorkloadsAndServicesWithTheirIndexes() {
        assertThat(handler.apply(addresses(resource(SLEEP), resource(ECHO), resource(ECHO_SVC)))).isEmpty();

        StateSnapshot s = store.snapshot();
        assertThat(s.workload(SLEEP.getUid())).hasValueSatisfying(w -> {
            assertThat(w.node()).isEqualTo("node-a");
            assertThat(w.hbone()).isTrue();
            assertThat(w.spiffeId()).isEqualTo("spiffe://cluster.local/ns/demo/sa/sleep");
        });
        assertThat(s.workloadAt(ip("10.244.2.7")).map(Workload::uid)).contains(ECHO.getUid());
        assertThat(s.workloadAt(ip("fd00::7")).map(Workload::uid)).contains(ECHO.getUid());
        assertThat(s.workloadAt(ip("10.244.9.9"))).isEmpty();
        assertThat(s.serviceAt(ip("10.96.0.10"), 80).map(Service::key)).contains("demo/echo.demo.svc.cluster.local");
        assertThat(s.serviceAt(ip("10.96.0.10"), 81)).isEmpty();
        assertThat(s.endpoints("demo/echo.demo.svc.cluster.local")).singleElement().satisfies(e -> {
            assertThat(e.workload().uid()).isEqualTo(ECHO.getUid());
            assertThat(e.ports()).containsExactly(new PortMapping(80, 9090));
        });
        assertThat(s.workloadsOnNode("node-a")).extracting(Workload::uid).containsExactly(SLEEP.getUid());
        assertThat(s.workloadsOnNode("node-c")).isEmpty();
    }

    @Test
    void replacesAndRemoves() {
        handler.apply(addresses(resource(SLEEP), resource(ECHO_SVC)));
        var moved = SLEEP.toBuilder().clearAddresses().addAddresses(bytes("10.244.1.6")).build();
        handler.apply(addresses(resource(moved)));
        assertThat(store.snapshot().workloadAt(ip("10.244.1.5"))).isEmpty();
        assertThat(store.snapshot().workloadAt(ip("10.244.1.6"))).isPresent();

        handler.apply(removeAddresses(SLEEP.getUid(), "demo/echo.demo.svc.cluster.local"));
        assertThat(store.snapshot().workloads()).isEmpty();
        assertThat(store.snapshot().services()).isEmpty();
        assertThat(store.snapshot().serviceAt(ip("10.96.0.10"), 80)).isEmpty();
    }

    @Test
    void removalOfUnknownNamesIsIgnoredAndChangesNothing() {
        handler.apply(addresses(resource(SLEEP)));
        StateSnapshot before = store.snapshot();
        assertThat(handler.apply(removeAddresses("Kubernetes//Pod/demo/ghost"))).isEmpty();
        assertThat(handler.apply(removeAuthorizations("demo/ghost"))).isEmpty();
        assertThat(store.snapshot()).isSameAs(before);
    }

    @Test
    void onlyTheLocalNetworkIsIndexedByIp() {
        var remote = pod("demo", "far", "node-z", "10.244.1.5").setNetwork("net-2").build();
        var remoteSvc = service("demo", "far", "10.96.0.99", 80, 80)
                .setAddresses(0, NetworkAddress.newBuilder().setNetwork("net-2").setAddress(bytes("10.96.0.99"))).build();
        handler.apply(addresses(resource(remote), resource(remoteSvc)));
        assertThat(store.snapshot().workload(remote.getUid())).isPresent();
        assertThat(store.snapshot().workloadAt(ip("10.244.1.5"))).isEmpty();
        assertThat(store.snapshot().serviceAt(ip("10.96.0.99"), 80)).isEmpty();
    }

    @Test
    void hboneWorkloadsOnNodeAreTheOnesToCapture() {
        var plain = pod("legacy", "db", "node-a", "10.244.1.9").setTunnelProtocol(TunnelProtocol.NONE).build();
        handler.apply(addresses(resource(SLEEP), resource(plain), resource(ECHO)));
        assertThat(store.snapshot().workloadsOnNode("node-a")).hasSize(2);
        assertThat(store.snapshot().hboneWorkloadsOnNode("node-a")).extracting(Workload::uid).containsExactly(SLEEP.getUid());
    }

    @Test
    void policiesThatApplyToAWorkload() {
        handler.apply(addresses(resource(ECHO), resource(SLEEP)));
        handler.apply(authorizations(
                resource(policy("istio-system", "mesh-wide", Scope.GLOBAL, Action.DENY)),
                resource(policy("demo", "ns-wide", Scope.NAMESPACE, Action.ALLOW)),
                resource(policy("other", "other-ns", Scope.NAMESPACE, Action.ALLOW)),
                resource(policy("demo", "echo-only", Scope.WORKLOAD_SELECTOR, Action.ALLOW)),
                resource(policy("demo", "not-referenced", Scope.WORKLOAD_SELECTOR, Action.ALLOW))));
        StateSnapshot s = store.snapshot();
        Workload echo = s.workload(ECHO.getUid()).orElseThrow();
        Workload sleep = s.workload(SLEEP.getUid()).orElseThrow();
        assertThat(s.policiesFor(echo)).extracting(AuthorizationPolicy::key)
                .containsExactly("demo/ns-wide", "istio-system/mesh-wide", "demo/echo-only");
        assertThat(s.policiesFor(sleep)).extracting(AuthorizationPolicy::key)
                .containsExactly("demo/ns-wide", "istio-system/mesh-wide");

        handler.apply(removeAuthorizations("demo/echo-only"));
        assertThat(store.snapshot().policiesFor(echo)).extracting(AuthorizationPolicy::key)
                .containsExactly("demo/ns-wide", "istio-system/mesh-wide");
        assertThat(store.snapshot().unknownPolicyReferences(echo)).containsExactly("demo/echo-only");
    }

    static Stream<Arguments> invalidAddresses() {
        var w = pod("demo", "bad", "node-a", "10.244.1.50");
        String uid = w.getUid();
        return Stream.of(
                Arguments.of("neither workload nor service", named("x", Address.getDefaultInstance()),
                        "Address has neither a workload nor a service"),
                Arguments.of("workload without uid", named("x", Address.newBuilder().setWorkload(w.clone().clearUid()).build()),
                        "workload has no uid"),
                Arguments.of("name is not the uid", named("other", Address.newBuilder().setWorkload(w.clone()).build()),
                        "resource name is not the workload's uid \"" + uid + "\""),
                Arguments.of("5-byte address", resource(w.clone().addAddresses(ByteString.copyFrom(new byte[5])).build()),
                        "addresses[1]: address has 5 bytes; an IP has 4 (IPv4) or 16 (IPv6)"),
                Arguments.of("empty address", resource(w.clone().addAddresses(ByteString.EMPTY).build()),
                        "addresses[1]: address has 0 bytes"),
                Arguments.of("unknown tunnel protocol", resource(w.clone().setTunnelProtocolValue(7).build()),
                        "tunnel_protocol: unknown value 7"),
                Arguments.of("service port 0", resource(w.clone().putServices("demo/a.demo.svc", ports(0, 80)).build()),
                        "services[\"demo/a.demo.svc\"].ports[0].service_port: port 0 is not in 1-65535"),
                Arguments.of("target port 65536", resource(w.clone().putServices("demo/a.demo.svc", ports(80, 65536)).build()),
                        "services[\"demo/a.demo.svc\"].ports[0].target_port: port 65536 is not in 0-65535"),
                Arguments.of("uint32 port beyond int", resource(w.clone().putServices("demo/a", ports(-1, 80)).build()),
                        "port 4294967295 is not in 1-65535"),
                Arguments.of("service key without namespace", resource(w.clone().putServices("a.demo.svc", ports(80, 80)).build()),
                        "services[\"a.demo.svc\"]: key is not namespace/hostname"),
                Arguments.of("policy reference not ns/name", resource(w.clone().addAuthorizationPolicies("just-a-name").build()),
                        "authorization_policies[0]: \"just-a-name\" is not namespace/name"),
                Arguments.of("waypoint without destination",
                        resource(w.clone().setWaypoint(GatewayAddress.newBuilder().setHboneMtlsPort(15008)).build()),
                        "waypoint: has neither an address nor a hostname"),
                Arguments.of("waypoint with a 3-byte address", resource(w.clone().setWaypoint(GatewayAddress.newBuilder()
                                .setAddress(NetworkAddress.newBuilder().setAddress(ByteString.copyFrom(new byte[3])))).build()),
                        "waypoint.address.address: address has 3 bytes"),
                Arguments.of("service without hostname", named("demo/", Address.newBuilder()
                        .setService(service("demo", "s", "10.96.0.1", 80, 80).clearHostname()).build()), "service has no hostname"),
                Arguments.of("service VIP of 2 bytes", resource(service("demo", "s", "10.96.0.1", 80, 80)
                                .addAddresses(NetworkAddress.newBuilder().setAddress(ByteString.copyFrom(new byte[2]))).build()),
                        "addresses[1].address: address has 2 bytes"),
                Arguments.of("service port 70000", resource(service("demo", "s", "10.96.0.1", 70000, 80).build()),
                        "ports[0].service_port: port 70000 is not in 1-65535"),
                Arguments.of("body of another type", named(uid, Authorization.getDefaultInstance()),
                        "body is of type \"type.googleapis.com/istio.security.Authorization\", expected istio.workload.Address"),
                Arguments.of("garbage bytes", new XdsUpdate.Resource(uid, "v", Any.newBuilder()
                                .setTypeUrl("type.googleapis.com/istio.workload.Address")
                                .setValue(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02})).build()),
                        "body does not decode as istio.workload.Address"),
                Arguments.of("no body", new XdsUpdate.Resource(uid, "v", Any.getDefaultInstance()), "resource has no body"),
                Arguments.of("no name", new XdsUpdate.Resource("", "v", Any.pack(Address.getDefaultInstance())), "resource has no name"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidAddresses")
    void refusesInvalidAddressesWithAReasonAndAppliesTheRest(String what, XdsUpdate.Resource bad, String reason) {
        List<XdsUpdate.Rejected> rejected = handler.apply(addresses(resource(SLEEP), bad, resource(ECHO_SVC)));
        assertThat(rejected).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo(bad.name());
            assertThat(r.reason()).contains(reason);
        });
        assertThat(store.snapshot().workload(SLEEP.getUid())).isPresent();
        assertThat(store.snapshot().service("demo/echo.demo.svc.cluster.local")).isPresent();
        assertThat(store.snapshot().workloads()).hasSize(1);
    }

    static Stream<Arguments> invalidAuthorizations() {
        var ok = Authorization.newBuilder().setNamespace("demo").setName("p").setAction(Action.DENY).setScope(Scope.NAMESPACE);
        Rule.Builder rule = Rule.newBuilder();
        return Stream.of(
                Arguments.of("no name", named("demo/", ok.clone().clearName().build()), "authorization has no name"),
                Arguments.of("no namespace", named("/p", ok.clone().clearNamespace().build()), "authorization has no namespace"),
                Arguments.of("name is not ns/name", named("demo/q", ok.clone().build()),
                        "resource name is not the policy's namespace/name \"demo/p\""),
                Arguments.of("unknown action", resource(ok.clone().setActionValue(2).build()), "action: unknown value 2"),
                Arguments.of("unknown scope", resource(ok.clone().setScopeValue(9).build()), "scope: unknown value 9"),
                Arguments.of("IPv4 prefix 33", resource(ok.clone().addRules(rule.clone().addClauses(clause(Match.newBuilder()
                                .addSourceIps(cidr("10.0.0.0", 33))))).build()),
                        "rules[0].clauses[0].matches[0].source_ips[0]: prefix length 33 is out of range for IPv4 (0-32)"),
                Arguments.of("IPv6 prefix 129", resource(ok.clone().addRules(rule.clone().addClauses(clause(Match.newBuilder()
                                .addNotDestinationIps(cidr("fd00::", 129))))).build()),
                        "rules[0].clauses[0].matches[0].not_destination_ips[0]: prefix length 129 is out of range for IPv6 (0-128)"),
                Arguments.of("address of 5 bytes", resource(ok.clone().addRules(rule.clone().addClauses(clause(Match.newBuilder()
                                .addDestinationIps(io.ambit.proto.security.Address.newBuilder()
                                        .setAddress(ByteString.copyFrom(new byte[5])).setLength(8))))).build()),
                        "destination_ips[0]: address has 5 bytes; an IP has 4 or 16"),
                Arguments.of("port 0", resource(ok.clone().addRules(rule.clone().addClauses(clause(Match.newBuilder()
                                .addDestinationPorts(0)))).build()),
                        "rules[0].clauses[0].matches[0].destination_ports[0]: port 0 is not in 1-65535"),
                Arguments.of("port 65616 (80 in 16 bits)", resource(ok.clone().addRules(rule.clone().addClauses(clause(Match.newBuilder()
                                .addNotDestinationPorts(65616)))).build()),
                        "not_destination_ports[0]: port 65616 is not in 1-65535"),
                Arguments.of("string match without type", resource(ok.clone().addRules(rule.clone().addClauses(clause(Match.newBuilder()
                                .addPrincipals(StringMatch.getDefaultInstance())))).build()),
                        "principals[0]: has no match type"),
                Arguments.of("service account without name", resource(ok.clone().addRules(rule.clone().addClauses(clause(Match.newBuilder()
                                .addServiceAccounts(ServiceAccountMatch.newBuilder().setNamespace("demo"))))).build()),
                        "service_accounts[0]: needs both namespace and serviceAccount"),
                Arguments.of("garbage bytes", new XdsUpdate.Resource("demo/p", "v", Any.newBuilder()
                                .setTypeUrl("type.googleapis.com/istio.security.Authorization")
                                .setValue(ByteString.copyFromUtf8("\u0008\u0080")).build()),
                        "body does not decode as istio.security.Authorization"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidAuthorizations")
    void refusesInvalidAuthorizationsWithAReasonAndAppliesTheRest(String what, XdsUpdate.Resource bad, String reason) {
        var good = policy("demo", "good", Scope.NAMESPACE, Action.ALLOW);
        List<XdsUpdate.Rejected> rejected = handler.apply(authorizations(bad, resource(good)));
        assertThat(rejected).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo(bad.name());
            assertThat(r.reason()).contains(reason);
        });
        assertThat(store.snapshot().policies()).extracting(AuthorizationPolicy::key).containsExactly("demo/good");
    }

    @Test
    void aRefusedUpdateKeepsThePreviousGoodVersion() {
        var v1 = policy("demo", "p", Scope.NAMESPACE, Action.DENY).toBuilder()
                .addRules(Rule.newBuilder().addClauses(clause(Match.newBuilder().addDestinationPorts(22)))).build();
        handler.apply(authorizations(resource(v1)));
        var v2 = v1.toBuilder().setRules(0, Rule.newBuilder().addClauses(clause(Match.newBuilder().addDestinationPorts(70000)))).build();
        assertThat(handler.apply(authorizations(resource(v2)))).hasSize(1);
        assertThat(store.snapshot().policy("demo/p").orElseThrow().rules().getFirst().clauses().getFirst().matches().getFirst()
                .destinationPorts()).containsExactly(22);

        handler.apply(addresses(resource(SLEEP)));
        var badSleep = SLEEP.toBuilder().addAddresses(ByteString.copyFrom(new byte[7])).build();
        assertThat(handler.apply(addresses(resource(badSleep)))).hasSize(1);
        assertThat(store.snapshot().workloadAt(ip("10.244.1.5"))).isPresent();
    }

    @Test
    void hostileInputIsRefusedCleanly() {
        // A million source IPs in one policy.
        Match.Builder huge = Match.newBuilder();
        var one = cidr("10.0.0.1", 32);
        for (int i = 0; i < 1_000_000; i++) {
            huge.addSourceIps(one);
        }
        var big = policy("demo", "big", Scope.NAMESPACE, Action.ALLOW).toBuilder()
                .addRules(Rule.newBuilder().addClauses(clause(huge))).build();
        assertThat(handler.apply(authorizations(resource(big)))).singleElement()
                .satisfies(r -> assertThat(r.reason()).contains("more than 100000"));

        var manyIps = pod("demo", "many", "node-a", "10.0.0.1");
        for (int i = 1; i < 10_000; i++) {
            manyIps.addAddresses(bytes("10.0.0.2"));
        }
        assertThat(handler.apply(addresses(resource(manyIps.build())))).singleElement()
                .satisfies(r -> assertThat(r.reason()).isEqualTo("addresses: 10000 entries, more than the 256 ztunnel accepts"));

        // Random bytes under both type URLs never throw out of the handler.
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 2_000; i++) {
            byte[] noise = new byte[random.nextInt(64)];
            random.nextBytes(noise);
            for (String type : List.of(XdsTypes.ADDRESS, XdsTypes.AUTHORIZATION)) {
                Any body = Any.newBuilder().setTypeUrl(type.equals(XdsTypes.ADDRESS)
                        ? "type.googleapis.com/istio.workload.Address" : "type.googleapis.com/istio.security.Authorization")
                        .setValue(ByteString.copyFrom(noise)).build();
                List<XdsUpdate.Rejected> rejected = handler.apply(new XdsUpdate(type, List.of(new XdsUpdate.Resource("n/" + i, "v", body)), List.of()));
                rejected.forEach(r -> assertThat(r.reason()).doesNotContain("bug"));
            }
        }
    }

    @Test
    void listenersSeeEachChangeOnceAfterTheSwap() {
        List<StateChange> changes = new ArrayList<>();
        store.addListener(change -> {
            assertThat(store.snapshot()).isSameAs(change.current());
            changes.add(change);
        });
        store.addListener(change -> {
            throw new IllegalStateException("a broken listener does not stop the others");
        });
        handler.apply(addresses(resource(SLEEP), resource(ECHO)));
        handler.apply(addresses(resource(SLEEP))); // same content: no change
        handler.apply(addresses(resource(SLEEP.toBuilder().setNode("node-c").build())));
        handler.apply(removeAddresses(ECHO.getUid()));

        assertThat(changes).hasSize(3);
        assertThat(changes.get(0).updated()).containsExactlyInAnyOrder(SLEEP.getUid(), ECHO.getUid());
        assertThat(changes.get(0).nodeChanged("node-a")).isTrue();
        assertThat(changes.get(1).nodeChanged("node-a")).isTrue();
        assertThat(changes.get(1).nodeChanged("node-c")).isTrue();
        assertThat(changes.get(1).nodeChanged("node-b")).isFalse();
        assertThat(changes.get(2).removed()).containsExactly(ECHO.getUid());
        assertThat(changes.get(2).current().generation()).isEqualTo(changes.get(2).previous().generation() + 1);
    }

    @Test
    void readersNeverSeeHalfAResponse() throws Exception {
        // Each response moves both workloads to the same generation number, carried in their node name.
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> torn = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!stop.get()) {
                StateSnapshot s = store.snapshot();
                var a = s.workload(SLEEP.getUid());
                var b = s.workload(ECHO.getUid());
                if (a.isPresent() != b.isPresent() || (a.isPresent() && !a.get().node().equals(b.get().node()))) {
                    torn.set(a + " / " + b);
                }
            }
        });
        for (int i = 0; i < 2_000; i++) {
            handler.apply(addresses(resource(SLEEP.toBuilder().setNode("n" + i).build()),
                    resource(ECHO.toBuilder().setNode("n" + i).build())));
        }
        stop.set(true);
        reader.join();
        assertThat(torn.get()).isNull();
    }

    @Test
    void aServiceSentUnderAWorkloadsNameIsRefused() {
        handler.apply(addresses(resource(SLEEP)));
        var svc = service("demo", "x", "10.96.0.5", 80, 80).build();
        handler.apply(addresses(named(SLEEP.getUid(), Address.newBuilder().setService(svc.toBuilder()).build())));
        // The name does not match the service's key: refused, the workload stays.
        assertThat(store.snapshot().workload(SLEEP.getUid())).isPresent();
    }

    @Test
    void typesZtunnelDoesNotUseAreRefused() {
        var update = new XdsUpdate("type.googleapis.com/envoy.config.cluster.v3.Cluster",
                List.of(named("c", Address.getDefaultInstance())), List.of());
        assertThat(handler.apply(update)).singleElement()
                .satisfies(r -> assertThat(r.reason()).startsWith("ztunnel does not use type"));
    }

    @Test
    void emptyIdentityFieldsTakeZtunnelsDefaults() {
        var anonymous = pod("demo", "anon", "node-a", "10.244.1.40").clearTrustDomain().clearServiceAccount().build();
        handler.apply(addresses(resource(anonymous)));
        assertThat(store.snapshot().workload(anonymous.getUid()).orElseThrow().spiffeId())
                .isEqualTo("spiffe://cluster.local/ns/demo/sa/default");
    }

    @Test
    void endpointsFollowWorkloadsNamingTheService() {
        var w2 = pod("demo", "echo-2", "node-a", "10.244.1.8")
                .putServices("demo/echo.demo.svc.cluster.local", PortList.newBuilder()
                        .addPorts(Port.newBuilder().setServicePort(80).setTargetPort(9091)).build()).build();
        handler.apply(addresses(resource(ECHO_SVC), resource(ECHO), resource(w2)));
        assertThat(store.snapshot().endpoints("demo/echo.demo.svc.cluster.local"))
                .extracting(e -> e.workload().uid() + ":" + e.ports().getFirst().targetPort())
                .containsExactlyInAnyOrder(ECHO.getUid() + ":9090", w2.getUid() + ":9091");
        handler.apply(removeAddresses(ECHO.getUid()));
        assertThat(store.snapshot().endpoints("demo/echo.demo.svc.cluster.local")).hasSize(1);
    }

    private static Clause.Builder clause(Match.Builder match) {
        return Clause.newBuilder().addMatches(match);
    }

    private static io.ambit.proto.security.Address cidr(String ip, int length) {
        return io.ambit.proto.security.Address.newBuilder().setAddress(bytes(ip)).setLength(length).build();
    }
}
