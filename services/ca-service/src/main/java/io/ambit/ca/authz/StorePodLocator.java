package io.ambit.ca.authz;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Local mode: the pods the xDS server's store holds, including those applied with
 * {@code meshctl apply} after start (the local analogue of asking the API server). Asked per node
 * through {@code GET /store/pods?node=} with the CA's own bearer credential, each answer kept for a
 * second. When the store cannot be reached or refuses the credential the answer is "no": the node
 * rule fails closed.
 */
public final class StorePodLocator implements PodLocator {

    private static final Logger log = LoggerFactory.getLogger(StorePodLocator.class);
    private static final long FRESH_NANOS = 1_000_000_000L;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private record Answer(long at, Set<String> accounts) {
    }

    /** One GET: status and body. */
    private record Response(int status, String body) {
    }

    @FunctionalInterface
    private interface Transport {
        Response get(URI uri) throws Exception;
    }

    private final URI store;
    private final Transport transport;
    private final Map<String, Answer> byNode = new ConcurrentHashMap<>();

    private StorePodLocator(URI store, Transport transport) {
        this.store = store;
        this.transport = transport;
    }

    /**
     * Plain HTTP with a bearer token.
     *
     * @param store the xDS server's HTTP base, e.g. {@code http://127.0.0.1:15011}
     * @param token the CA's bearer credential there (it proves ca-service's identity, which the store
     *              admits to {@code /store/pods} and nothing else); without one the store answers 401
     */
    public StorePodLocator(URI store, java.util.Optional<String> token) {
        this(store, bearer(token));
    }

    private static Transport bearer(java.util.Optional<String> token) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        return uri -> {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2));
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        };
    }

    /**
     * Mutual TLS: the CA's own certificate is its credential (the xds-server's mesh HTTP port,
     * {@code ambit.xds.mesh-http.port}), and the server must prove {@code server}. A fresh TLS
     * context per question, from the certificate current at that moment, so a renewal applies at once.
     *
     * @param store  e.g. {@code https://127.0.0.1:15017}
     * @param own    the CA's current SVID and the mesh roots
     * @param server the identity the store's certificate must carry (the xds-server's)
     */
    public static StorePodLocator overMutualTls(URI store, java.util.function.Supplier<io.ambit.tls.ReloadableSslContext.KeyMaterial> own,
            io.ambit.identity.SpiffeId server) {
        return new StorePodLocator(store, uri -> {
            io.ambit.tls.ReloadableSslContext.KeyMaterial material = own.get();
            io.netty.handler.ssl.SslContext tls = io.ambit.tls.MeshTls.client(material.svid(), material.bundle(),
                    io.ambit.tls.PeerPolicy.exactly(server));
            return reactor.netty.http.client.HttpClient.create()
                    .protocol(reactor.netty.http.HttpProtocol.H2)
                    .secure(spec -> spec.sslContext(tls).handlerConfigurator(handler -> {
                        // the server is checked by its SPIFFE ID in the handshake; an SVID names no host
                        javax.net.ssl.SSLParameters parameters = handler.engine().getSSLParameters();
                        parameters.setEndpointIdentificationAlgorithm(null);
                        handler.engine().setSSLParameters(parameters);
                    }))
                    .responseTimeout(Duration.ofSeconds(2))
                    .get().uri(uri)
                    .responseSingle((response, body) -> body.asString().defaultIfEmpty("")
                            .map(text -> new Response(response.status().code(), text)))
                    .block(Duration.ofSeconds(4));
        });
    }

    @Override
    public boolean runsOnNode(String node, String namespace, String serviceAccount) {
        long now = System.nanoTime();
        Answer answer = byNode.get(node);
        if (answer == null || now - answer.at() > FRESH_NANOS) {
            answer = new Answer(now, ask(node));
            byNode.put(node, answer);
        }
        return answer.accounts().contains(namespace + "/" + serviceAccount);
    }

    private Set<String> ask(String node) {
        URI uri = store.resolve("/store/pods?node=" + URLEncoder.encode(node, StandardCharsets.UTF_8));
        try {
            Response response = transport.get(uri);
            if (response.status() != 200) {
                log.warn("xDS store {} answered {}{}; no pods of node {} known from it", uri, response.status(),
                        response.status() == 401 || response.status() == 403
                                ? " (the store does not accept the CA's credential: its certificate, or over plain HTTP"
                                        + " ambit.ca.local.store-token-file = the xds-server's ambit.security.services.ca-service)" : "", node);
                return Set.of();
            }
            Set<String> accounts = new HashSet<>();
            for (Object item : JSON.readValue(response.body(), List.class)) {
                if (item instanceof Map<?, ?> pod) {
                    accounts.add(pod.get("namespace") + "/" + pod.get("serviceAccount"));
                }
            }
            return accounts;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("cannot ask the xDS store {} for the pods of node {} ({}); only the config directory counts", uri, node, e.toString());
            return Set.of();
        }
    }
}
