package io.ambit.ca.authz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CA's local-mode view of pods applied through the xDS server's store API. The store here is
 * a loopback HTTP server answering in the shape of xds-server's {@code GET /store/pods} (which
 * xds-server's own StoreApiTest checks against the real store).
 */
class StorePodLocatorTest {

    final AtomicInteger asked = new AtomicInteger();
    HttpServer store;

    URI serve(String podsOfNodeA) throws IOException {
        store = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        store.createContext("/store/pods", exchange -> {
            asked.incrementAndGet();
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
                "[{\"namespace\":\"shop\",\"name\":\"cart-0\",\"serviceAccount\":\"cart\",\"node\":\"node-a\"}]"));
        assertThat(pods.runsOnNode("node-a", "shop", "cart")).isTrue();
        assertThat(pods.runsOnNode("node-a", "shop", "frontend")).isFalse();
        assertThat(pods.runsOnNode("node-b", "shop", "cart")).isFalse();
        assertThat(asked.get()).isEqualTo(2); // node-a once (cached), node-b once
    }

    @Test
    void anUnreachableStoreMeansNo() throws Exception {
        URI gone = serve("[]");
        store.stop(0);
        store = null;
        assertThat(new StorePodLocator(gone).runsOnNode("node-a", "shop", "cart")).isFalse();
    }

    @Test
    void aMalformedAnswerMeansNo() throws Exception {
        assertThat(new StorePodLocator(serve("{not json")).runsOnNode("node-a", "shop", "cart")).isFalse();
    }
}
