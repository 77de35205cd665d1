package io.ambit.ca.authz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CA's local-mode view of pods applied through the xDS server's store API. The store here is
 * a loopback HTTP server answering in the shape of xds-server's {@code GET /store/pods}, and like it
 * only to the CA's bearer credential (xds-server's own StoreApiTest checks both against the real store).
 */
class StorePodLocatorTest {

    static final String CA_TOKEN = "ca-service-token-0123456789";

    final AtomicInteger asked = new AtomicInteger();
    HttpServer store;

    /** Like the real store: 401 unless the CA's credential comes with the request. */
    URI serve(String podsOfNodeA) throws IOException {
        store = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        store.createContext("/store/pods", exchange -> {
            asked.incrementAndGet();
            if (!("Bearer " + CA_TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.sendResponseHeaders(401, -1);
                exchange.close();
                return;
            }
            String node = exchange.getRequestURI().getQuery().replace("node=", "");
            byte[] body = (node.equals("node-a") ? podsOfNodeA : "[]").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        store.start();
        return URI.create("http://127.0.0.1:" + store.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (store != null) {
            store.stop(0);
        }
    }

    @Test
    void answersFromTheStoreAndAsksAtMostOncePerSecondPerNode() throws Exception {
        StorePodLocator pods = new StorePodLocator(serve(
                "[{\"namespace\":\"shop\",\"name\":\"cart-0\",\"serviceAccount\":\"cart\",\"node\":\"node-a\"}]"), Optional.of(CA_TOKEN));
        assertThat(pods.runsOnNode("node-a", "shop", "cart")).isTrue();
        assertThat(pods.runsOnNode("node-a", "shop", "frontend")).isFalse();
        assertThat(pods.runsOnNode("node-b", "shop", "cart")).isFalse();
        assertThat(asked.get()).isEqualTo(2); // node-a once (cached), node-b once
    }

    @Test
    void aRefusedCredentialMeansNo() throws Exception {
        URI uri = serve("[{\"namespace\":\"shop\",\"name\":\"cart-0\",\"serviceAccount\":\"cart\",\"node\":\"node-a\"}]");
        assertThat(new StorePodLocator(uri, Optional.empty()).runsOnNode("node-a", "shop", "cart")).isFalse();
        assertThat(new StorePodLocator(uri, Optional.of("not-the-ca-token-0123")).runsOnNode("node-a", "shop", "cart")).isFalse();
        assertThat(asked.get()).isEqualTo(2);
    }

    @Test
    void anUnreachableStoreMeansNo() throws Exception {
        URI gone = serve("[]");
        store.stop(0);
        store = null;
        assertThat(new StorePodLocator(gone, Optional.of(CA_TOKEN)).runsOnNode("node-a", "shop", "cart")).isFalse();
    }

    @Test
    void aMalformedAnswerMeansNo() throws Exception {
        assertThat(new StorePodLocator(serve("{not json"), Optional.of(CA_TOKEN)).runsOnNode("node-a", "shop", "cart")).isFalse();
    }
}
