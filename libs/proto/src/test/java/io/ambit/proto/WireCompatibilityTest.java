package io.ambit.proto;

import static io.ambit.proto.ProtoBytes.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.ambit.proto.ca.IstioCertificateRequest;
import io.ambit.proto.ca.IstioCertificateResponse;
import io.ambit.proto.ca.IstioCertificateServiceGrpc;
import io.ambit.proto.security.Action;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.security.Match;
import io.ambit.proto.security.Scope;
import io.ambit.proto.security.StringMatch;
import io.ambit.proto.workload.Address;
import io.ambit.proto.workload.AppProtocol;
import io.ambit.proto.workload.ApplicationTunnel;
import io.ambit.proto.workload.IPFamilies;
import io.ambit.proto.workload.LoadBalancing;
import io.ambit.proto.workload.NetworkMode;
import io.ambit.proto.workload.Service;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.Workload;
import io.ambit.proto.workload.WorkloadStatus;
import io.ambit.proto.workload.WorkloadType;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import org.junit.jupiter.api.Test;

/**
 * Decodes bytes written by hand from Istio's published field numbers (workload.proto,
 * authorization.proto, ca.proto) and checks every field, and that nothing was left unknown. A
 * wrong field number in our .proto files cannot pass: the value would land in the wrong field or
 * among the unknown fields.
 */
class WireCompatibilityTest {

    private static final byte[] POD_IP = {10, (byte) 244, 1, 7};
    private static final byte[] WAYPOINT_IP = {10, (byte) 244, 2, 9};
    private static final byte[] VIP = {10, 96, 0, 12};

    @Test
    void decodesEveryWorkloadField() throws Exception {
        byte[] wire = message()
                .string(20, "Kubernetes//Pod/default/sleep-1")                         // uid
                .string(1, "sleep-1")                                                 // name
                .string(2, "default")                                                 // namespace
                .bytes(3, POD_IP)                                                     // addresses
                .string(21, "sleep-1.example")                                        // hostname
                .string(4, "net-1")                                                   // network
                .varint(5, 1)                                                         // tunnel_protocol = HBONE
                .string(6, "cluster.local")                                           // trust_domain
                .string(7, "sleep")                                                   // service_account
                .message(8, message()                                                 // waypoint
                        .message(2, message().string(1, "net-1").bytes(2, WAYPOINT_IP)) // address
                        .varint(3, 15008))                                            // hbone_mtls_port
                .message(19, message()                                                // network_gateway
                        .message(1, message().string(1, "istio-system").string(2, "eastwest.example"))
                        .varint(3, 15009))
                .string(9, "node-a")                                                  // node
                .string(10, "sleep")                                                  // canonical_name
                .string(11, "v1")                                                     // canonical_revision
                .varint(12, 2)                                                        // workload_type = POD
                .string(13, "sleep-deploy")                                           // workload_name
                .varint(14, 1)                                                        // native_tunnel
                .message(23, message().varint(1, 1).varint(2, 15088))                 // application_tunnel
                .message(22, message()                                                // services map entry
                        .string(1, "default/echo.default.svc.cluster.local")          // key
                        .message(2, message()                                         // PortList
                                .message(1, message().varint(1, 80).varint(2, 8080))))
                .string(16, "default/allow-sleep")                                    // authorization_policies
                .varint(17, 1)                                                        // status = UNHEALTHY
                .string(18, "Kubernetes")                                             // cluster_id
                .message(24, message().string(1, "eu").string(2, "eu-1a").string(3, "rack-3")) // locality
                .varint(25, 1)                                                        // network_mode = HOST_NETWORK
                .message(26, message().string(1, "ext-1"))                            // extensions
                .message(27, message().varint(1, 7))                                  // capacity (UInt32Value)
                .toByteArray();

        Workload w = Workload.parseFrom(wire);

        assertNoUnknownFields(w);
        assertThat(w.getUid()).isEqualTo("Kubernetes//Pod/default/sleep-1");
        assertThat(w.getName()).isEqualTo("sleep-1");
        assertThat(w.getNamespace()).isEqualTo("default");
        assertThat(w.getAddressesList()).hasSize(1);
        assertThat(w.getAddresses(0).toByteArray()).isEqualTo(POD_IP);
        assertThat(w.getHostname()).isEqualTo("sleep-1.example");
        assertThat(w.getNetwork()).isEqualTo("net-1");
        assertThat(w.getTunnelProtocol()).isEqualTo(TunnelProtocol.HBONE);
        assertThat(w.getTrustDomain()).isEqualTo("cluster.local");
        assertThat(w.getServiceAccount()).isEqualTo("sleep");
        assertThat(w.getWaypoint().getAddress().getNetwork()).isEqualTo("net-1");
        assertThat(w.getWaypoint().getAddress().getAddress().toByteArray()).isEqualTo(WAYPOINT_IP);
        assertThat(w.getWaypoint().getHboneMtlsPort()).isEqualTo(15008);
        assertThat(w.getNetworkGateway().getHostname().getNamespace()).isEqualTo("istio-system");
        assertThat(w.getNetworkGateway().getHostname().getHostname()).isEqualTo("eastwest.example");
        assertThat(w.getNetworkGateway().getHboneMtlsPort()).isEqualTo(15009);
        assertThat(w.getNode()).isEqualTo("node-a");
        assertThat(w.getCanonicalName()).isEqualTo("sleep");
        assertThat(w.getCanonicalRevision()).isEqualTo("v1");
        assertThat(w.getWorkloadType()).isEqualTo(WorkloadType.POD);
        assertThat(w.getWorkloadName()).isEqualTo("sleep-deploy");
        assertThat(w.getNativeTunnel()).isTrue();
        assertThat(w.getApplicationTunnel().getProtocol()).isEqualTo(ApplicationTunnel.Protocol.PROXY);
        assertThat(w.getApplicationTunnel().getPort()).isEqualTo(15088);
        assertThat(w.getServicesMap()).containsOnlyKeys("default/echo.default.svc.cluster.local");
        var port = w.getServicesMap().get("default/echo.default.svc.cluster.local").getPorts(0);
        assertThat(port.getServicePort()).isEqualTo(80);
        assertThat(port.getTargetPort()).isEqualTo(8080);
        assertThat(w.getAuthorizationPoliciesList()).containsExactly("default/allow-sleep");
        assertThat(w.getStatus()).isEqualTo(WorkloadStatus.UNHEALTHY);
        assertThat(w.getClusterId()).isEqualTo("Kubernetes");
        assertThat(w.getLocality().getRegion()).isEqualTo("eu");
        assertThat(w.getLocality().getZone()).isEqualTo("eu-1a");
        assertThat(w.getLocality().getSubzone()).isEqualTo("rack-3");
        assertThat(w.getNetworkMode()).isEqualTo(NetworkMode.HOST_NETWORK);
        assertThat(w.getExtensions(0).getName()).isEqualTo("ext-1");
        assertThat(w.getCapacity().getValue()).isEqualTo(7);
    }

    @Test
    void decodesEveryServiceField() throws Exception {
        byte[] wire = message()
                .string(1, "echo")                                                    // name
                .string(2, "default")                                                 // namespace
                .string(3, "echo.default.svc.cluster.local")                          // hostname
                .message(4, message().string(1, "").bytes(2, VIP).varint(3, 32))      // addresses (length 3)
                .message(5, message().varint(1, 80).varint(2, 8080).varint(3, 3))     // ports (app_protocol GRPC)
                .string(6, "spiffe://cluster.local/ns/default/sa/echo")               // subject_alt_names
                .message(7, message()                                                 // waypoint
                        .message(1, message().string(1, "default").string(2, "waypoint.default.svc.cluster.local"))
                        .varint(3, 15008))
                .message(8, message()                                                 // load_balancing
                        .packed(1, 4, 2)                                              // routing_preference NODE, ZONE
                        .varint(2, 2)                                                 // mode FAILOVER
                        .varint(3, 1))                                                // health_policy ALLOW_ALL
                .varint(9, 1)                                                         // ip_families IPV4_ONLY
                .message(10, message().string(1, "svc-ext"))                          // extensions
                .varint(11, 1)                                                        // canonical
                .varint(12, 1)                                                        // ingress_use_waypoint
                .message(13, message()                                                // weighted_waypoints
                        .message(1, message().message(1, message().string(1, "default").string(2, "wp-b.default.svc.cluster.local")))
                        .varint(2, 10))
                .varint(14, 1)                                                        // visibility NAMESPACE
                .toByteArray();

        Service s = Service.parseFrom(wire);

        assertNoUnknownFields(s);
        assertThat(s.getName()).isEqualTo("echo");
        assertThat(s.getNamespace()).isEqualTo("default");
        assertThat(s.getHostname()).isEqualTo("echo.default.svc.cluster.local");
        assertThat(s.getAddresses(0).getAddress().toByteArray()).isEqualTo(VIP);
        assertThat(s.getPorts(0).getServicePort()).isEqualTo(80);
        assertThat(s.getPorts(0).getTargetPort()).isEqualTo(8080);
        assertThat(s.getSubjectAltNamesList()).containsExactly("spiffe://cluster.local/ns/default/sa/echo");
        assertThat(s.getWaypoint().getHostname().getHostname()).isEqualTo("waypoint.default.svc.cluster.local");
        assertThat(s.getWaypoint().getHboneMtlsPort()).isEqualTo(15008);
        assertThat(s.getLoadBalancing().getRoutingPreferenceList())
                .containsExactly(LoadBalancing.Scope.NODE, LoadBalancing.Scope.ZONE);
        assertThat(s.getLoadBalancing().getMode()).isEqualTo(LoadBalancing.Mode.FAILOVER);
        assertThat(s.getLoadBalancing().getHealthPolicy()).isEqualTo(LoadBalancing.HealthPolicy.ALLOW_ALL);
        assertThat(s.getIpFamilies()).isEqualTo(IPFamilies.IPV4_ONLY);
        assertThat(s.getExtensions(0).getName()).isEqualTo("svc-ext");
        assertThat(s.getCanonical()).isTrue();
        assertThat(s.getAddresses(0).hasLength()).isTrue();
        assertThat(s.getAddresses(0).getLength()).isEqualTo(32);
        assertThat(s.getPorts(0).getAppProtocol()).isEqualTo(AppProtocol.GRPC);
        assertThat(s.getIngressUseWaypoint()).isTrue();
        assertThat(s.getWeightedWaypoints(0).getDestination().getHostname().getHostname()).isEqualTo("wp-b.default.svc.cluster.local");
        assertThat(s.getWeightedWaypoints(0).getWeight()).isEqualTo(10);
        assertThat(s.getVisibility()).isEqualTo(Service.Visibility.NAMESPACE);
    }

    /** Istio's numbers for the enum values a newer istiod may send. */
    @Test
    void enumValuesAreIstios() {
        assertThat(TunnelProtocol.LEGACY_ISTIO_MTLS.getNumber()).isEqualTo(2);
        assertThat(AppProtocol.HTTP11.getNumber()).isEqualTo(1);
        assertThat(AppProtocol.TLS.getNumber()).isEqualTo(5);
    }

    @Test
    void addressIsAOneofOfWorkloadAndService() throws Exception {
        Address workload = Address.parseFrom(message().message(1, message().string(20, "uid-1")).toByteArray());
        Address service = Address.parseFrom(message().message(2, message().string(1, "echo")).toByteArray());
        assertThat(workload.getTypeCase()).isEqualTo(Address.TypeCase.WORKLOAD);
        assertThat(workload.getWorkload().getUid()).isEqualTo("uid-1");
        assertThat(service.getTypeCase()).isEqualTo(Address.TypeCase.SERVICE);
        assertThat(service.getService().getName()).isEqualTo("echo");
    }

    @Test
    void decodesEveryAuthorizationField() throws Exception {
        ProtoBytes match = message()
                .message(1, message().string(1, "default"))                           // namespaces: exact
                .message(2, message().string(2, "kube-"))                             // not_namespaces: prefix
                .message(11, message().string(1, "default").string(2, "sleep"))       // service_accounts
                .message(12, message().string(1, "default").string(2, "intruder"))    // not_service_accounts
                .message(3, message().string(3, "/sa/sleep"))                         // principals: suffix
                .message(4, message().message(4, message()))                          // not_principals: presence
                .message(5, message().bytes(1, new byte[] {10, 0, 0, 0}).varint(2, 8)) // source_ips
                .message(6, message().bytes(1, new byte[] {10, 1, 0, 0}).varint(2, 16)) // not_source_ips
                .message(7, message().bytes(1, VIP).varint(2, 32))                    // destination_ips
                .message(8, message().bytes(1, POD_IP).varint(2, 32))                 // not_destination_ips
                .packed(9, 80, 8080)                                                  // destination_ports (packed)
                .varint(10, 9090)                                                     // not_destination_ports (unpacked)
                .varint(10, 9091);
        byte[] wire = message()
                .string(1, "allow-sleep")                                             // name
                .string(2, "default")                                                 // namespace
                .varint(3, 2)                                                         // scope WORKLOAD_SELECTOR
                .varint(4, 1)                                                         // action DENY
                .message(5, message()                                                 // rules
                        .message(1, message()                                         // clauses
                                .message(2, match)))                                  // matches
                .toByteArray();

        Authorization a = Authorization.parseFrom(wire);

        assertNoUnknownFields(a);
        assertThat(a.getName()).isEqualTo("allow-sleep");
        assertThat(a.getNamespace()).isEqualTo("default");
        assertThat(a.getScope()).isEqualTo(Scope.WORKLOAD_SELECTOR);
        assertThat(a.getAction()).isEqualTo(Action.DENY);
        Match m = a.getRules(0).getClauses(0).getMatches(0);
        assertThat(m.getNamespaces(0).getMatchTypeCase()).isEqualTo(StringMatch.MatchTypeCase.EXACT);
        assertThat(m.getNamespaces(0).getExact()).isEqualTo("default");
        assertThat(m.getNotNamespaces(0).getPrefix()).isEqualTo("kube-");
        assertThat(m.getServiceAccounts(0).getNamespace()).isEqualTo("default");
        assertThat(m.getServiceAccounts(0).getServiceAccount()).isEqualTo("sleep");
        assertThat(m.getNotServiceAccounts(0).getServiceAccount()).isEqualTo("intruder");
        assertThat(m.getPrincipals(0).getSuffix()).isEqualTo("/sa/sleep");
        assertThat(m.getNotPrincipals(0).getMatchTypeCase()).isEqualTo(StringMatch.MatchTypeCase.PRESENCE);
        assertThat(m.getSourceIps(0).getAddress().toByteArray()).containsExactly(10, 0, 0, 0);
        assertThat(m.getSourceIps(0).getLength()).isEqualTo(8);
        assertThat(m.getNotSourceIps(0).getLength()).isEqualTo(16);
        assertThat(m.getDestinationIps(0).getAddress().toByteArray()).isEqualTo(VIP);
        assertThat(m.getNotDestinationIps(0).getAddress().toByteArray()).isEqualTo(POD_IP);
        assertThat(m.getDestinationPortsList()).containsExactly(80, 8080);
        assertThat(m.getNotDestinationPortsList()).containsExactly(9090, 9091);
    }

    @Test
    void decodesDryRunAsField6() throws Exception {
        Authorization a = Authorization.parseFrom(message().string(1, "p").varint(6, 1).toByteArray());
        assertNoUnknownFields(a);
        assertThat(a.getDryRun()).isTrue();
        assertThat(Authorization.parseFrom(message().string(1, "p").toByteArray()).getDryRun()).isFalse();
    }

    @Test
    void decodesExtensionsOfAPolicyAndOfAMatch() throws Exception {
        Authorization a = Authorization.parseFrom(message().string(1, "p")
                .message(7, message().string(1, "policy-ext"))
                .message(5, message().message(1, message().message(2, message().message(13, message().string(1, "match-ext")))))
                .toByteArray());

        assertNoUnknownFields(a);
        assertThat(a.getExtensions(0).getName()).isEqualTo("policy-ext");
        assertThat(a.getRules(0).getClauses(0).getMatches(0).getExtensions(0).getName()).isEqualTo("match-ext");
    }

    @Test
    void defaultActionIsAllowAndDefaultScopeIsGlobal() throws Exception {
        Authorization a = Authorization.parseFrom(message().string(1, "p").toByteArray());
        assertThat(a.getAction()).isEqualTo(Action.ALLOW);
        assertThat(a.getScope()).isEqualTo(Scope.GLOBAL);
    }

    @Test
    void decodesTheCaRequestAndResponse() throws Exception {
        byte[] request = message()
                .string(1, "-----BEGIN CERTIFICATE REQUEST-----")                      // csr
                .varint(3, 86_400)                                                    // validity_duration
                .message(4, message()                                                 // metadata: Struct
                        .message(1, message()                                         // fields map entry
                                .string(1, "ImpersonatedIdentity")
                                .message(2, message().string(3, "spiffe://cluster.local/ns/default/sa/sleep"))))
                .toByteArray();
        IstioCertificateRequest r = IstioCertificateRequest.parseFrom(request);
        assertNoUnknownFields(r);
        assertThat(r.getCsr()).isEqualTo("-----BEGIN CERTIFICATE REQUEST-----");
        assertThat(r.getValidityDuration()).isEqualTo(86_400);
        assertThat(r.getMetadata().getFieldsOrThrow("ImpersonatedIdentity").getStringValue())
                .isEqualTo("spiffe://cluster.local/ns/default/sa/sleep");

        IstioCertificateResponse response = IstioCertificateResponse.parseFrom(
                message().string(1, "leaf").string(1, "root").toByteArray());
        assertThat(response.getCertChainList()).containsExactly("leaf", "root");
    }

    @Test
    void usesIstiosTypeUrlsAndMethodNames() {
        assertThat(Any.pack(Address.getDefaultInstance()).getTypeUrl())
                .isEqualTo("type.googleapis.com/istio.workload.Address");
        assertThat(Any.pack(Authorization.getDefaultInstance()).getTypeUrl())
                .isEqualTo("type.googleapis.com/istio.security.Authorization");
        assertThat(IstioCertificateServiceGrpc.getCreateCertificateMethod().getFullMethodName())
                .isEqualTo("istio.v1.auth.IstioCertificateService/CreateCertificate");
    }

    @Test
    void envoyProtosLoadOnOurProtobufRuntime() throws Exception {
        DeltaDiscoveryRequest request = DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl("type.googleapis.com/istio.workload.Address")
                .addResourceNamesSubscribe("*")
                .build();
        assertThat(DeltaDiscoveryRequest.parseFrom(request.toByteArray())).isEqualTo(request);
        assertThat(AggregatedDiscoveryServiceGrpc.getDeltaAggregatedResourcesMethod().getFullMethodName())
                .isEqualTo("envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources");
    }

    /** Recursively: a field number we got wrong shows up as an unknown field somewhere. */
    private static void assertNoUnknownFields(Message message) {
        assertThat(message.getUnknownFields().asMap()).as("unknown fields in %s",
                message.getDescriptorForType().getFullName()).isEmpty();
        message.getAllFields().forEach((field, value) -> {
            if (value instanceof Message nested) {
                assertNoUnknownFields(nested);
            } else if (value instanceof java.util.List<?> list) {
                list.stream().filter(Message.class::isInstance).map(Message.class::cast)
                        .forEach(WireCompatibilityTest::assertNoUnknownFields);
            }
        });
    }
}
