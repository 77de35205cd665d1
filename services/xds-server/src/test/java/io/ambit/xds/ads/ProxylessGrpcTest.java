package io.ambit.xds.ads;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.ambit.identity.Pem;
import io.ambit.identity.SpiffeId;
import io.ambit.testkit.IssuedCertificate;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real grpc-java client with grpc-xds ({@code xds:///backend.demo.svc.cluster.local:7070}),
 * bootstrapped at the xDS server over mutual TLS with a workload certificate, follows a 90/10
 * GRPCRoute between two real echo servers on loopback.
 */
class ProxylessGrpcTest {

    static final SpiffeId CLIENT = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/client");
    static final MethodDescriptor<String, String> SAY = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("demo.Echo/Say")
            .setRequestMarshaller(new Utf8()).setResponseMarshaller(new Utf8()).build();

    @TempDir
    Path dir;
    AdsTestBench bench;
    Server a;
    Server b;
    ManagedChannel channel;

    static final class Utf8 implements MethodDescriptor.Marshaller<String> {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static Server echo(String ip, String name) throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("demo.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((request, responses) -> {
                    responses.onNext(name);
                    responses.onCompleted();
                })).build();
        return io.grpc.netty.NettyServerBuilder.forAddress(new InetSocketAddress(ip, 0), InsecureServerCredentials.create())
                .addService(service).build().start();
    }

    static String mesh(int portA, int portB) {
        return """
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo, labels: {istio.io/dataplane-mode: ambient, istio.io/use-waypoint: waypoint}}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: waypoint, namespace: demo}
                spec: {gatewayClassName: istio-waypoint, listeners: [{name: mesh, port: 15008, protocol: HBONE}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: waypoint, namespace: demo}
                spec: {clusterIP: 10.96.0.10, ports: [{name: mesh, port: 15008}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: backend, namespace: demo}
                spec: {clusterIP: 10.96.0.40, selector: {app: backend}, ports: [{name: grpc, port: 7070, appProtocol: grpc}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: backend-a, namespace: demo}
                spec: {clusterIP: 10.96.0.41, selector: {app: backend, version: a}, ports: [{name: grpc, port: 7070, targetPort: %d}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: backend-b, namespace: demo}
                spec: {clusterIP: 10.96.0.42, selector: {app: backend, version: b}, ports: [{name: grpc, port: 7070, targetPort: %d}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: backend-a-1, namespace: demo, labels: {app: backend, version: a}}
                spec: {nodeName: node-a, containers: [{name: c, image: i}]}
                status: {phase: Running, podIP: 127.0.0.1, conditions: [{type: Ready, status: "True"}]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: backend-b-1, namespace: demo, labels: {app: backend, version: b}}
                spec: {nodeName: node-a, containers: [{name: c, image: i}]}
                status: {phase: Running, podIP: 127.0.0.2, conditions: [{type: Ready, status: "True"}]}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: backend, namespace: demo}
                spec:
                  parentRefs: [{group: "", kind: Service, name: backend, port: 7070}]
                  rules:
                  - matches: [{method: {service: demo.Echo}}]
                    backendRefs: [{name: backend-a, port: 7070, weight: 90}, {name: backend-b, port: 7070, weight: 10}]
                """.formatted(portA, portB);
    }

    @AfterEach
    void close() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Server server : new Server[] {a, b}) {
            if (server != null) {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        if (bench != null) {
            bench.close();
        }
    }

    @Test
    void followsANinetyTenGrpcRouteWithinFivePoints() throws Exception {
        a = echo("127.0.0.1", "a");
        b = echo("127.0.0.2", "b");
        int portA = ((InetSocketAddress) a.getListenSockets().getFirst()).getPort();
        int portB = ((InetSocketAddress) b.getListenSockets().getFirst()).getPort();
        bench = new AdsTestBench(mesh(portA, portB));

        IssuedCertificate issued = bench.ca.issue(CLIENT.toString());
        Path cert = Files.writeString(dir.resolve("cert-chain.pem"), Pem.encodeCertificates(issued.chain()));
        Path key = Files.writeString(dir.resolve("key.pem"), Pem.encode(issued.privateKey()));
        Path roots = Files.writeString(dir.resolve("root-cert.pem"), bench.bundle.toPem());
        String bootstrap = """
                {"xds_servers": [{"server_uri": "127.0.0.1:%d", "server_features": ["xds_v3"],
                  "channel_creds": [{"type": "ambit_mtls", "config": {"certificate_file": "%s", "private_key_file": "%s",
                    "ca_certificate_file": "%s", "server_spiffe_id": "%s"}}]}],
                 "node": {"id": "sidecar~127.0.0.1~client-1.demo~demo.svc.cluster.local"}}
                """.formatted(bench.server.port(), cert, key, roots, AdsTestBench.SERVER_ID);
        Path file = Files.writeString(dir.resolve("bootstrap.json"), bootstrap);
        System.setProperty("io.grpc.xds.bootstrap", file.toString());
        try {
            channel = Grpc.newChannelBuilder("xds:///backend.demo.svc.cluster.local:7070", io.grpc.InsecureChannelCredentials.create())
                    .build();
            int toA = 0;
            int toB = 0;
            for (int i = 0; i < 1000; i++) {
                String served = ClientCalls.blockingUnaryCall(channel, SAY, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), "hi");
                if (served.equals("a")) {
                    toA++;
                } else if (served.equals("b")) {
                    toB++;
                }
            }
            System.out.printf("proxyless gRPC over 1000 calls: a=%d b=%d%n", toA, toB);
            assertThat(toA + toB).isEqualTo(1000);
            assertThat(toA).isBetween(850, 950);
            assertThat(toB).isBetween(50, 150);
            assertThat(bench.service.clients()).anySatisfy(c -> assertThat(c.node()).startsWith("sidecar~"));
        } finally {
            System.clearProperty("io.grpc.xds.bootstrap");
        }
    }
}
