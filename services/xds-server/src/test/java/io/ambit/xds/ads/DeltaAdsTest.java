package io.ambit.xds.ads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.ambit.xds.state.XdsState;
import io.ambit.xdsclient.XdsUpdate;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Delta ADS over mutual TLS with real clients: sync, increments, reconnects, ACK/NACK, bad requests. */
class DeltaAdsTest {

    static final String ADDRESS = XdsState.ADDRESS_TYPE;
    static final String MESH = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: demo, labels: {istio.io/dataplane-mode: ambient}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: echo, namespace: demo}
            spec: {selector: {app: echo}, clusterIP: 10.96.0.12, ports: [{port: 80, targetPort: 8080}]}
            """;
    static final String ECHO_1 = "Kubernetes//Pod/demo/echo-1";
    static final String ECHO_2 = "Kubernetes//Pod/demo/echo-2";
    static final String SERVICE = "demo/echo.demo.svc.cluster.local";

    static String pod(String name, String ip) {
        return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: demo, labels: {app: echo}}\n"
                + "spec: {nodeName: node-a, containers: [{name: c, image: i}]}\n"
                + "status: {podIP: " + ip + ", conditions: [{type: Ready, status: \"True\"}]}\n";
    }

    AdsTestBench bench = new AdsTestBench(MESH + "---\n" + pod("echo-1", "10.244.1.5"));

    @AfterEach
    void close() throws Exception {
        bench.close();
    }

    @Test
    void initialSyncThenOnlyTheChangedWorkloadOnAddAndDelete() {
        var client = bench.client("node-a");
        await().until(() -> client.have(ADDRESS).keySet().equals(java.util.Set.of(ECHO_1, SERVICE)));
        int before = client.updates.size();

        bench.store.apply("add", pod("echo-2", "10.244.1.6"));
        await().until(() -> client.have(ADDRESS).containsKey(ECHO_2));
        List<XdsUpdate> pushed = client.updates.subList(before, client.updates.size()).stream()
                .filter(u -> u.typeUrl().equals(ADDRESS)).toList();
        assertThat(pushed).flatExtracting(XdsUpdate::updated).extracting(XdsUpdate.Resource::name).containsExactly(ECHO_2);

        int afterAdd = client.updates.size();
        bench.store.delete("delete", pod("echo-2", "10.244.1.6"));
        await().until(() -> !client.have(ADDRESS).containsKey(ECHO_2));
        List<XdsUpdate> removal = client.updates.subList(afterAdd, client.updates.size());
        assertThat(removal).flatExtracting(XdsUpdate::removed).containsExactly(ECHO_2);
        assertThat(removal).flatExtracting(XdsUpdate::updated).isEmpty();
    }

    @Test
    void bothTypesAreServedAndTheFirstAnswerComesEvenWhenEmpty() throws Exception {
        var raw = bench.raw();
        raw.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(XdsState.AUTHORIZATION_TYPE).build());
        DeltaDiscoveryResponse first = raw.next();
        assertThat(first.getTypeUrl()).isEqualTo(XdsState.AUTHORIZATION_TYPE);
        assertThat(first.getNonce()).isNotEmpty();
    }

    @Test
    void reconnectWithInitialResourceVersionsReceivesOnlyTheDifference() throws Exception {
        var raw = bench.raw();
        raw.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(ADDRESS).build());
        DeltaDiscoveryResponse initial = raw.next();
        Map<String, String> versions = new java.util.HashMap<>();
        initial.getResourcesList().forEach(r -> versions.put(r.getName(), r.getVersion()));
        assertThat(versions).containsOnlyKeys(ECHO_1, SERVICE);
        raw.requests.onCompleted();

        // While away: echo-2 arrives; the client also claims a workload the server never had.
        bench.store.apply("add", pod("echo-2", "10.244.1.6"));
        await().until(() -> bench.state.addresses().containsKey(ECHO_2));
        versions.put("Kubernetes//Pod/demo/gone", "0123456789abcdef");

        var again = bench.raw();
        again.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(ADDRESS).putAllInitialResourceVersions(versions).build());
        DeltaDiscoveryResponse difference = again.next();
        assertThat(difference.getResourcesList()).extracting(Resource::getName).containsExactly(ECHO_2);
        assertThat(difference.getRemovedResourcesList()).containsExactly("Kubernetes//Pod/demo/gone");
    }

    @Test
    void theClientReconnectsAfterAServerRestartAndKeepsItsState() {
        var client = bench.client("node-a");
        await().until(() -> client.have(ADDRESS).size() == 2);
        int before = client.updates.size();

        bench.restartServer();
        bench.store.apply("add", pod("echo-2", "10.244.1.6"));
        await().atMost(Duration.ofSeconds(20)).until(() -> client.have(ADDRESS).containsKey(ECHO_2));
        // Its state survived the broken stream, and the reconnect announced it: only echo-2 came back.
        assertThat(client.have(ADDRESS)).containsKeys(ECHO_1, SERVICE);
        assertThat(client.updates.subList(before, client.updates.size())).flatExtracting(XdsUpdate::updated)
                .extracting(XdsUpdate.Resource::name).containsExactly(ECHO_2);
    }

    @Test
    void aRenewedClientCertificateMovesTheSessionToANewConnectionWithoutAResync() {
        java.util.List<XdsUpdate> updates = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.Map<String, String> have = new java.util.concurrent.ConcurrentHashMap<>();
        try (var session = new io.ambit.xdsclient.AdsSession(new java.net.InetSocketAddress("127.0.0.1", bench.server.port()),
                AdsTestBench.SERVER_ID, io.envoyproxy.envoy.config.core.v3.Node.newBuilder().setId("ztunnel~node-a").build(),
                java.util.List.of(ADDRESS, XdsState.AUTHORIZATION_TYPE), update -> {
                    updates.add(update);
                    update.updated().forEach(r -> have.put(r.name(), r.version()));
                    update.removed().forEach(have::remove);
                    return java.util.List.of();
                }, builder -> builder.backoff(Duration.ofMillis(100), Duration.ofMillis(400)))) {
            session.useCertificate(bench.svid(AdsTestBench.ZTUNNEL_ID), bench.bundle);
            await().until(() -> have.size() == 2);
            long firstConnection = bench.service.clients().getFirst().id();
            int before = updates.size();

            session.useCertificate(bench.svid(AdsTestBench.ZTUNNEL_ID), bench.bundle); // renewed
            await().until(() -> bench.service.clients().size() == 1 && bench.service.clients().getFirst().id() != firstConnection
                    && bench.service.clients().getFirst().types().get("address").acks() >= 1);
            bench.store.apply("add", pod("echo-2", "10.244.1.6"));
            await().until(() -> have.containsKey(ECHO_2));
            // the new connection announced what the session had: nothing it already held came again
            assertThat(updates.subList(before, updates.size())).flatExtracting(XdsUpdate::updated)
                    .extracting(XdsUpdate.Resource::name).containsExactly(ECHO_2);
        }
    }

    @Test
    void aNackIsRecordedAndNotAnsweredWithTheSameContent() {
        var client = bench.client("node-a", update -> update.updated().stream()
                .filter(r -> r.name().equals(ECHO_2)).map(r -> new XdsUpdate.Rejected(r.name(), "workload has no usable address"))
                .toList());
        await().until(() -> client.have(ADDRESS).size() == 2);
        bench.store.apply("add", pod("echo-2", "10.244.1.6"));
        await().until(() -> bench.service.clients().getFirst().types().get("address").nacks() == 1);
        var status = bench.service.clients().getFirst().types().get("address");
        assertThat(status.lastNack().message()).contains("Kubernetes//Pod/demo/echo-2: workload has no usable address");

        int afterNack = client.updates.size();
        bench.store.apply("add", pod("echo-3", "10.244.1.7"));
        await().until(() -> client.have(ADDRESS).containsKey("Kubernetes//Pod/demo/echo-3"));
        assertThat(client.updates.subList(afterNack, client.updates.size())).flatExtracting(XdsUpdate::updated)
                .extracting(XdsUpdate.Resource::name).containsExactly("Kubernetes//Pod/demo/echo-3");
        assertThat(client.have(ADDRESS)).doesNotContainKey(ECHO_2);
    }

    @Test
    void acksAreRecordedAndStaleNoncesIgnored() throws Exception {
        var raw = bench.raw();
        raw.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(ADDRESS).build());
        DeltaDiscoveryResponse initial = raw.next();
        raw.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(ADDRESS).setResponseNonce("no-such-nonce").build());
        raw.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(ADDRESS).setResponseNonce(initial.getNonce()).build());
        await().until(() -> bench.service.clients().getFirst().types().get("address").acks() == 1);
        var status = bench.service.clients().getFirst().types().get("address");
        assertThat(status.staleNonces()).isEqualTo(1);
        assertThat(status.ackedNonce()).isEqualTo(initial.getNonce());
        assertThat(status.ackedGeneration()).isEqualTo(bench.state.current().number());
        assertThat(bench.service.clients().getFirst().peer()).isEqualTo(AdsTestBench.ZTUNNEL_ID.toString());
        assertThat(raw.closedWith).isNull();
    }

    @Test
    void anUnknownTypeClosesOnlyThatStreamWithAClearErrorAndOtherClientsAreUnaffected() throws Exception {
        var client = bench.client("node-b");
        var raw = bench.raw();
        raw.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl("type.googleapis.com/envoy.config.unknown.v3.Thing").build());
        await().until(() -> raw.closedWith != null);
        assertThat(raw.closedWith.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(raw.closedWith.getDescription()).contains("envoy.config.unknown.v3.Thing", "is not served");
        bench.store.apply("add", pod("echo-2", "10.244.1.6"));
        await().until(() -> client.have(ADDRESS).containsKey(ECHO_2));
    }

    @Test
    void envoyTypesAreRefusedToAZtunnelNode() throws Exception {
        var raw = bench.raw();
        raw.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster")
                .setNode(io.envoyproxy.envoy.config.core.v3.Node.newBuilder().setId("ztunnel~10.0.0.1~ztunnel-x.istio-system~istio-system.svc.cluster.local"))
                .build());
        await().until(() -> raw.closedWith != null);
        assertThat(raw.closedWith.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void aRequestWithoutTypeUrlClosesOnlyThatStream() throws Exception {
        var client = bench.client("node-b");
        var raw = bench.raw();
        raw.send(DeltaDiscoveryRequest.newBuilder().build());
        await().until(() -> raw.closedWith != null);
        assertThat(raw.closedWith.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(raw.closedWith.getDescription()).contains("type_url");
        bench.store.apply("add", pod("echo-2", "10.244.1.6"));
        await().until(() -> client.have(ADDRESS).containsKey(ECHO_2));
    }

    @Test
    void anOversizedRequestIsRefusedByTheTransportAndOtherClientsAreUnaffected() {
        var client = bench.client("node-b");
        var raw = bench.raw();
        DeltaDiscoveryRequest.Builder huge = DeltaDiscoveryRequest.newBuilder().setTypeUrl(ADDRESS);
        String padding = "x".repeat(1000);
        for (int i = 0; i < 9_000; i++) { // ~9 MB of announced versions, over the 8 MiB limit
            huge.putInitialResourceVersions("Kubernetes//Pod/demo/p-" + i + "-" + padding, "0");
        }
        raw.send(huge.build());
        await().until(() -> raw.closedWith != null);
        assertThat(raw.closedWith.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        bench.store.apply("add", pod("echo-2", "10.244.1.6"));
        await().until(() -> client.have(ADDRESS).containsKey(ECHO_2));
    }

    @Test
    void ztunnelTypesAreNotServedOverStateOfTheWorld() {
        var stub = io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.newStub(bench.channel(AdsTestBench.ZTUNNEL_ID));
        var sotwClosed = new java.util.concurrent.atomic.AtomicReference<Status>();
        var requests = stub.streamAggregatedResources(new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                sotwClosed.set(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.onNext(io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest.newBuilder().setTypeUrl(ADDRESS).build());
        await().until(() -> sotwClosed.get() != null);
        assertThat(sotwClosed.get().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(sotwClosed.get().getDescription()).contains("delta ADS");
    }

    @Test
    void aClientWithoutACertificateCannotConnect() {
        var channel = io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", bench.server.port())
                .sslContext(io.ambit.tls.MeshTls.bootstrapClient(bench.bundle, io.ambit.tls.PeerPolicy.exactly(AdsTestBench.SERVER_ID)))
                .build();
        try {
            var stub = io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.newStub(channel);
            var raw = new AdsTestBench.RawStream();
            raw.requests = stub.deltaAggregatedResources(raw);
            raw.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(ADDRESS).build());
            await().until(() -> raw.closedWith != null);
            assertThat(raw.closedWith.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(raw.responses).isEmpty();
            assertThat(bench.service.clients()).isEmpty();
        } finally {
            channel.shutdownNow();
        }
    }
}
