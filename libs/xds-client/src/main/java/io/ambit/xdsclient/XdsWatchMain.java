package io.ambit.xdsclient;

import io.ambit.identity.WorkloadIdentity;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.ambit.caclient.HostPort;
import io.ambit.caclient.CaClient;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.tls.MeshTls;
import io.ambit.tls.PeerPolicy;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;

/**
 * Command line that watches the xDS server the way a node's ztunnel does:
 * {@code xds-client --token-file <file holding the node bootstrap token> [--node node-a] [--xds host:port] [--ca host:port]
 * [--bundle-url url] [--for seconds]}. It obtains the node agent's own SVID from the CA, opens a
 * delta ADS stream over mutual TLS and prints one line per resource received or removed.
 */
public final class XdsWatchMain {

    private XdsWatchMain() {
    }

    public static void main(String[] args) throws Exception {
        String xds = "127.0.0.1:15010";
        String ca = "127.0.0.1:15012";
        String bundleUrl = "http://127.0.0.1:15014/ca/root-cert.pem";
        String token = null;
        String node = "node-a";
        String trustDomain = "cluster.local";
        String meshNamespace = "istio-system";
        long seconds = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--xds" -> xds = args[++i];
                case "--ca" -> ca = args[++i];
                case "--bundle-url" -> bundleUrl = args[++i];
                case "--token-file" -> token = readToken(args[++i]);
                case "--node" -> node = args[++i];
                case "--trust-domain" -> trustDomain = args[++i];
                case "--for" -> seconds = Long.parseLong(args[++i]);
                default -> usage("unknown argument " + args[i]);
            }
        }
        if (token == null) {
            usage("--token-file is required");
        }
        String pem = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(bundleUrl)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        TrustBundle bundle = TrustBundle.fromPem(trustDomain, pem);
        SpiffeId self = new WorkloadIdentity(trustDomain, meshNamespace, "ztunnel").spiffeId();
        Svid svid;
        try (CaClient client = CaClient.connect(HostPort.parse(ca), bundle,
                new WorkloadIdentity(trustDomain, meshNamespace, "ca-service").spiffeId(), Optional.empty())) {
            svid = client.request(self, false, Optional.of(token), Duration.ofHours(1));
        }
        SpiffeId server = new WorkloadIdentity(trustDomain, meshNamespace, "xds-server").spiffeId();
        ManagedChannel channel = NettyChannelBuilder.forAddress(HostPort.parse(xds))
                .sslContext(MeshTls.client(svid, bundle, PeerPolicy.exactly(server)))
                .maxInboundMessageSize(XdsChannels.MAX_MESSAGE_BYTES)
                .build();
        Node identity = Node.newBuilder().setId("ztunnel~" + node + "~xds-client").setCluster("Kubernetes")
                .setMetadata(com.google.protobuf.Struct.newBuilder().putFields("NODE_NAME",
                        com.google.protobuf.Value.newBuilder().setStringValue(node).build()))
                .build();
        System.out.println("watching " + xds + " as " + self + " (node " + node + ")");
        DeltaAdsClient client = DeltaAdsClient.builder(channel, identity, update -> {
            String time = LocalTime.now().toString();
            update.updated().forEach(r -> System.out.println(time + " + " + r.name() + "  " + Describe.resource(r.body())));
            update.removed().forEach(name -> System.out.println(time + " - " + name));
            System.out.flush();
            return List.of();
        }).onConnection(up -> {
            if (!up) {
                System.out.println(LocalTime.now() + " ! stream broken, reconnecting");
            }
        }).build().start();
        CountDownLatch forever = new CountDownLatch(1);
        if (seconds > 0) {
            forever.await(seconds, TimeUnit.SECONDS);
        } else {
            forever.await();
        }
        client.close();
        channel.shutdownNow();
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: xds-client --token-file <file holding the node bootstrap token> [--node node-a] [--xds host:port] [--ca host:port] "
                + "[--bundle-url url] [--for seconds]");
        System.exit(2);
    }

    /** The token from a file, never from the command line, where every local user could read it (ps). */
    private static String readToken(String file) throws java.io.IOException {
        return java.nio.file.Files.readString(java.nio.file.Path.of(file)).strip();
    }
}
