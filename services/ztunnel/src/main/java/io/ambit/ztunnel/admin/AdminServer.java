package io.ambit.ztunnel.admin;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * ztunnel's admin endpoint (DESIGN §4: port 15000, loopback only): {@code GET /config_dump} and
 * {@code GET /certs}. It shows every workload and policy the node knows, so it is bound to
 * 127.0.0.1 and nothing else; nothing on it changes state.
 *
 * <p>The JDK's HTTP server: a debug page needs no framework. Bounded: two worker threads and a
 * queue of {@value #QUEUE} requests (beyond that a connection is closed unanswered), request
 * bodies are never read (such a connection is closed after the answer), headers are capped by the
 * JDK (200 headers, 380 KiB). A client that sends its request or reads its answer slowly holds a
 * worker meanwhile: the JDK server has no per-exchange timeout short of process-wide properties,
 * an accepted limit for a page that only processes on the node itself can reach.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    static final int THREADS = 2;
    static final int QUEUE = 16;

    private final InetSocketAddress bind;
    private final ConfigDump dump;
    private HttpServer server;
    private ThreadPoolExecutor workers;

    /** @param port on 127.0.0.1; 0 picks a free one ({@link #address()} tells which) */
    public AdminServer(int port, ConfigDump dump) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("ambit.ztunnel.admin-port: " + port + " is not a port (0-65535, 0 = any free one)");
        }
        this.bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        this.dump = dump;
    }

    /** @throws IOException when the port cannot be bound (in use): start-up stops there */
    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        workers = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                Thread.ofPlatform().daemon().name("ztunnel-admin-", 0).factory(), new ThreadPoolExecutor.AbortPolicy());
        workers.allowCoreThreadTimeOut(true);
        HttpServer http = HttpServer.create(bind, 0);
        http.setExecutor(workers);
        http.createContext("/", this::handle);
        http.start();
        server = http;
        log.info("ztunnel admin on http://{}:{} (/config_dump, /certs)", address().getAddress().getHostAddress(), address().getPort());
    }

    /** Where it listens; the real port when started with 0. */
    public synchronized InetSocketAddress address() {
        if (server == null) {
            throw new IllegalStateException("the admin server is not started");
        }
        return server.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") || hasBody(exchange)) {
                // The body is not read, so the connection cannot carry another request after it.
                exchange.getResponseHeaders().set("Connection", "close");
            }
            Supplier<JsonNode> page = switch (exchange.getRequestURI().getPath()) {
                case "/config_dump" -> dump::configDump;
                case "/certs" -> dump::certificates;
                default -> null;
            };
            if (page == null) {
                respond(exchange, 404, error("no such page; there are /config_dump and /certs"));
            } else if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                respond(exchange, 405, error(exchange.getRequestMethod() + " is not allowed; the admin endpoint is read-only"));
            } else {
                respond(exchange, 200, ConfigDump.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(page.get()));
            }
        } catch (RuntimeException e) {
            log.error("BUG: admin {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
            throw e;
        }
    }

    private static boolean hasBody(HttpExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        return exchange.getRequestHeaders().containsKey("Transfer-Encoding") || (length != null && !length.equals("0"));
    }

    private static byte[] error(String message) {
        return ConfigDump.JSON.writeValueAsBytes(ConfigDump.JSON.getNodeFactory().objectNode().put("error", message));
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1); // the JDK refuses a body on a HEAD answer
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            workers.shutdownNow();
            server = null;
        }
    }
}
