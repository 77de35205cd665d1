package io.ambit.bench.xds;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.proto.workload.Address;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.Workload;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;

/**
 * The floor under any xDS server on this machine: the same clients, the same mutual TLS and gRPC
 * transport, but the server does nothing except fan a prebuilt one-workload response out to
 * every stream. No store, no translation, no per-client bookkeeping.
 */
final class LimitServer extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {

    private final List<StreamObserver<DeltaDiscoveryResponse>> streams = new CopyOnWriteArrayList<>();
    private final AtomicLong nonces = new AtomicLong();

    @Override
    public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(StreamObserver<DeltaDiscoveryResponse> responses) {
        streams.add(responses);
        return new StreamObserver<>() {
            @Override
            public void onNext(DeltaDiscoveryRequest request) {
                if (request.getResponseNonce().isEmpty()) {
                    synchronized (responses) {
                        responses.onNext(DeltaDiscoveryResponse.newBuilder().setTypeUrl(request.getTypeUrl())
                                .setNonce(Long.toString(nonces.incrementAndGet())).build());
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                streams.remove(responses);
            }

            @Override
            public void onCompleted() {
                streams.remove(responses);
                responses.onCompleted();
            }
        };
    }

    void pushAll(DeltaDiscoveryResponse response) {
        for (StreamObserver<DeltaDiscoveryResponse> stream : streams) {
            synchronized (stream) {
                stream.onNext(response);
            }
        }
    }

    static void run(Path dir, int clientCount, int changes) throws Exception {
        Svid svid = Svid.fromPem(Files.readString(dir.resolve("server-chain.pem")), Files.readString(dir.resolve("server-key.pem")));
        TrustBundle bundle = TrustBundle.fromPem("cluster.local", Files.readString(dir.resolve("root.pem")));
        LimitServer service = new LimitServer();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(MeshTls.server(svid, bundle, PeerPolicy.anyInTrustDomain("cluster.local")))
                .addService(service).build().start();
        int port = ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
        XdsLoad.Probe probe = new XdsLoad.Probe(clientCount);
        probe.syncTarget = 0;
        List<XdsLoad.Client> clients = XdsLoad.connect(XdsLoad.clientTls(dir), port, clientCount, probe);
        clients.forEach(c -> c.ads.start());
        probe.synced.await(5, TimeUnit.MINUTES);
        double[] latencies = new double[changes];
        for (int i = 0; i < changes; i++) {
            String name = "Kubernetes//Pod/bench-1/pod-" + i;
            Workload workload = Workload.newBuilder().setUid(name).setName("pod-" + i).setNamespace("bench-1")
                    .addAddresses(ByteString.copyFrom(new byte[] {10, (byte) 244, 0, (byte) (i % 250 + 1)}))
                    .setTrustDomain("cluster.local").setServiceAccount("sa-1").setNode("node-1")
                    .setTunnelProtocol(TunnelProtocol.HBONE).setClusterId("Kubernetes").build();
            DeltaDiscoveryResponse response = DeltaDiscoveryResponse.newBuilder()
                    .setTypeUrl(io.ambit.xdsclient.XdsTypes.ADDRESS).setNonce("p" + i)
                    .addResources(Resource.newBuilder().setName(name).setVersion(Integer.toHexString(i))
                            .setResource(Any.pack(Address.newBuilder().setWorkload(workload).build())))
                    .build();
            probe.expect(name, clientCount);
            long t0 = System.nanoTime();
            service.pushAll(response);
            probe.arrivals.await(10, TimeUnit.SECONDS);
            latencies[i] = (probe.lastArrival.get() - t0) / 1e6;
        }
        java.util.Arrays.sort(latencies);
        System.out.printf("RESULT push limit p50 %.1f p99 %.1f max %.1f missed 0%n",
                latencies[changes / 2], latencies[(int) Math.ceil(changes * 0.99) - 1], latencies[changes - 1]);
        XdsLoad.close(clients);
        server.shutdownNow();
    }
}
