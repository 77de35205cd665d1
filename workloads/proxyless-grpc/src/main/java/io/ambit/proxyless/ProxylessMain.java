package io.ambit.proxyless;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.ambit.caclient.CaClient;
import io.ambit.identity.SpiffeId;
import io.ambit.identity.Svid;
import io.ambit.identity.TrustBundle;
import io.ambit.identity.WorkloadIdentity;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

/**
 * {@code java -jar proxyless-grpc.jar [options] xds:///<host>:<port>} (what {@code ./meshctl proxyless}
 * runs): acts as one of the mesh's pods ({@code --pod ns/name}, default {@code demo/frontend}) the way
 * a proxyless gRPC application in that pod would. It obtains the pod's SVID from the CA with its
 * node's bootstrap token (the CA's node rule decides), writes grpc-xds's bootstrap beside it
 * ({@code <state>/proxyless/<ns>.<pod>/}), dials the target through grpc-xds (LDS → RDS → CDS → EDS
 * from the xDS server) and makes {@code --count} calls to the echo service, printing how many each
 * pod answered. Exit 0 when every call succeeded, 1 otherwise, 2 for a command line it cannot run.
 */
public final class ProxylessMain {

    static final String USAGE = "proxyless-grpc [--pod NS/NAME] [--count N] [--state DIR] [--store URL] [--xds HOST:PORT]"
            + " [--ca HOST:PORT] [--bundle-url URL] [--trust-domain TD] xds:///<host>:<port>";

    private ProxylessMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("proxyless: " + e.getMessage());
            err.println("usage: " + USAGE);
            return 2;
        }
        try {
            return run(options, out);
        } catch (IOException | StatusRuntimeException e) {
            // a refused connection carries no message of its own: name what it was
            err.println("proxyless: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("proxyless: interrupted");
            return 1;
        }
    }

    private static int run(Options o, PrintStream out) throws IOException, InterruptedException {
        String admin = token(o.state().resolve("tokens/admin"));
        MeshPod pod = MeshPod.lookUp(o.store(), admin, o.namespace(), o.pod());
        WorkloadIdentity identity = pod.identity(o.trustDomain());
        out.println("proxyless: acting as pod " + pod.namespace() + "/" + pod.name() + " (" + pod.ip().getHostAddress() + " on "
                + pod.node() + "), identity " + identity.spiffeId());

        TrustBundle bundle = TrustBundle.fromPem(o.trustDomain(), get(o.bundleUrl()));
        Svid svid;
        SpiffeId ca = new WorkloadIdentity(o.trustDomain(), "istio-system", "ca-service").spiffeId();
        try (CaClient client = CaClient.connect(o.ca(), bundle, ca, Optional.empty())) {
            // as the pod's node agent asks for it: the CA grants the identity only to the node the pod runs on
            svid = client.request(identity.spiffeId(), true, Optional.of(token(o.state().resolve("tokens/" + pod.node()))),
                    Duration.ofHours(1));
        }
        SpiffeId xds = new WorkloadIdentity(o.trustDomain(), "istio-system", "xds-server").spiffeId();
        ProxylessBootstrap files = ProxylessBootstrap.write(o.state().resolve("proxyless/" + pod.namespace() + "." + pod.name()), pod,
                svid, bundle, o.xds(), xds);
        out.println("proxyless: bootstrap " + files.bootstrap() + " (node " + pod.nodeId() + ", xDS server " + o.xds() + ")");
        // grpc-xds reads its bootstrap once, when the first xds:/// channel is made
        System.setProperty("io.grpc.xds.bootstrap", files.bootstrap().toAbsolutePath().toString());

        try (PodChannels channels = PodChannels.forPod(pod)) {
            out.println("proxyless: calls leave " + channels.where);
            ManagedChannel channel = channels.open(o.target());
            try {
                // as grpc applications do: calls start once the channel is READY (xDS answered, a first connection up)
                Duration ready;
                try {
                    ready = ChannelReady.await(channel, Duration.ofSeconds(SplitCount.FIRST_CALL_SECONDS));
                } catch (IllegalStateException e) {
                    throw new IOException(o.target() + ": " + e.getMessage());
                }
                out.println("proxyless: channel READY after " + ready.toMillis() + " ms (xDS resources and a first connection)");
                SplitCount count = SplitCount.call(channel, o.count());
                out.println("proxyless: " + o.target() + ": " + o.count() + " calls -> " + count.summary());
                return count.failed() == 0 ? 0 : 1;
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static String token(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException("no token at " + file + ": is ./mesh up running (and this run as its user)?");
        }
        return Files.readString(file).strip();
    }

    private static String get(URI url) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> response;
            try {
                response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (java.net.ConnectException e) {
                throw new IOException("cannot reach " + url + ": is ./mesh up running?", e);
            }
            if (response.statusCode() != 200) {
                throw new IOException(url + " answered " + response.statusCode());
            }
            return response.body();
        }
    }

    /** The command line, checked; defaults are {@code ./mesh up}'s. */
    record Options(String namespace, String pod, int count, Path state, URI store, String xds, InetSocketAddress ca,
                   URI bundleUrl, String trustDomain, String target) {

        static Options parse(String[] args) {
            String pod = "demo/frontend";
            int count = 1000;
            Path state = Path.of(".mesh");
            String store = "http://127.0.0.1:15011";
            String xds = "127.0.0.1:15010";
            String ca = "127.0.0.1:15012";
            String bundle = "http://127.0.0.1:15014/ca/root-cert.pem";
            String trustDomain = "cluster.local";
            String target = null;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--pod" -> pod = value(args, ++i, arg);
                    case "--count" -> count = count(value(args, ++i, arg));
                    case "--state" -> state = Path.of(value(args, ++i, arg));
                    case "--store" -> store = value(args, ++i, arg);
                    case "--xds" -> xds = value(args, ++i, arg);
                    case "--ca" -> ca = value(args, ++i, arg);
                    case "--bundle-url" -> bundle = value(args, ++i, arg);
                    case "--trust-domain" -> trustDomain = value(args, ++i, arg);
                    default -> {
                        if (arg.startsWith("-") || target != null) {
                            throw new IllegalArgumentException("unexpected argument '" + arg + "'");
                        }
                        target = arg;
                    }
                }
            }
            if (target == null || !target.startsWith("xds:///") || target.length() == "xds:///".length()) {
                throw new IllegalArgumentException("the target must be xds:///<host>:<port>, e.g. xds:///backend.demo.svc.cluster.local:7070");
            }
            String[] nsName = pod.split("/", -1);
            if (nsName.length != 2 || nsName[0].isEmpty() || nsName[1].isEmpty()) {
                throw new IllegalArgumentException("--pod wants NAMESPACE/NAME, not '" + pod + "'");
            }
            return new Options(nsName[0], nsName[1], count, state, uri(store, "--store"), hostPort(xds, "--xds"),
                    address(hostPort(ca, "--ca")), uri(bundle, "--bundle-url"), trustDomain, target);
        }

        private static String value(String[] args, int i, String flag) {
            if (i >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return args[i];
        }

        private static int count(String text) {
            try {
                int n = Integer.parseInt(text);
                if (n >= 1 && n <= 1_000_000) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("--count wants a number from 1 to 1000000, not '" + text + "'");
        }

        private static URI uri(String text, String flag) {
            try {
                URI uri = URI.create(text);
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return uri;
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
            throw new IllegalArgumentException(flag + " wants an http(s) URL, not '" + text + "'");
        }

        private static String hostPort(String text, String flag) {
            int colon = text.lastIndexOf(':');
            if (colon > 0) {
                try {
                    int port = Integer.parseInt(text.substring(colon + 1));
                    if (port >= 1 && port <= 65535) {
                        return text;
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            throw new IllegalArgumentException(flag + " wants HOST:PORT, not '" + text + "'");
        }

        private static InetSocketAddress address(String hostPort) {
            int colon = hostPort.lastIndexOf(':');
            return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        }
    }
}
