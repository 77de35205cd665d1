package io.ambit.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import io.ambit.service.security.Access;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.springframework.boot.actuate.endpoint.web.WebEndpointsSupplier;
import org.springframework.http.server.PathContainer;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.reactive.result.method.RequestMappingInfoHandlerMapping;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;

/**
 * The contract every Ambit service meets, inherited by each service's own boot test (run with
 * {@code server.port=0} and {@code management.server.port=0}): default profile {@code local},
 * liveness and readiness probes, Prometheus scrape, Istio's {@code /healthz/ready} following the
 * readiness state, graceful shutdown configured; and the HTTP access table: every endpoint of
 * {@link #endpoints()} asked with no credential, a wrong token, the viewer's and the admin's,
 * answering 401 / 403 / 2xx as its {@link Access} says, and every endpoint the service maps
 * present in that table (so a new endpoint without a stated rule fails its service's build).
 */
public abstract class MeshServiceContractTest {

    /** Which of the service's HTTP ports an endpoint is on (the same port when the service runs them together). */
    public enum Port { MAIN, MANAGEMENT }

    /** Who asks. */
    public enum Caller { NO_CREDENTIAL, WRONG_TOKEN, VIEWER, ADMIN }

    /**
     * One request of the access table.
     *
     * @param success the statuses a caller with the access gets (2xx, or e.g. 503 for a readiness probe of a service not ready in the test)
     */
    public record Endpoint(String method, Port port, String path, Access access, String contentType, String body, Set<Integer> success) {
        public static Endpoint get(Port port, String path, Access access) {
            return new Endpoint("GET", port, path, access, null, null, Set.of(200));
        }

        public static Endpoint post(Port port, String path, Access access, String contentType, String body) {
            return new Endpoint("POST", port, path, access, contentType, body, Set.of(200));
        }

        public Endpoint answering(Integer... statuses) {
            return new Endpoint(method, port, path, access, contentType, body, Set.of(statuses));
        }

        @Override
        public String toString() {
            return method + " " + path + " (" + port.name().toLowerCase(Locale.ROOT) + ", " + access.name().toLowerCase(Locale.ROOT) + ")";
        }
    }

    @DynamicPropertySource
    static void meshServiceTokens(DynamicPropertyRegistry registry) {
        TestTokens.register(registry);
    }

    public static final String[] EPHEMERAL_PORTS = {"server.port=0", "management.server.port=0"};

    private HttpClient http = newClient();

    @Autowired
    protected Environment environment;

    @Autowired
    protected ApplicationContext context;

    protected String management(String path) {
        return "http://127.0.0.1:" + environment.getProperty("local.management.port") + path;
    }

    protected String main(String path) {
        return "http://127.0.0.1:" + environment.getProperty("local.server.port") + path;
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(java.time.Duration.ofSeconds(10))
                .build();
    }

    @AfterEach
    void closeClient() {
        http.close();
    }

    /**
     * A GET with a timeout. A health GET that never got an answer has been seen twice in full runs
     * on a loaded 2-core machine, never reproduced alone: when it happens, every
     * thread of this JVM (client and server alike) is dumped to stderr for the reader of the
     * log, and the GET is tried once more on a new connection. A server that is really stuck
     * fails the second time too.
     */
    protected HttpResponse<String> get(String url) throws Exception {
        return exchange(HttpRequest.newBuilder(URI.create(url)).timeout(java.time.Duration.ofSeconds(20)).build());
    }

    /** Sends {@code request}, with the one retry described at {@link #get(String)}. */
    protected HttpResponse<String> exchange(HttpRequest request) throws Exception {
        String url = request.method() + " " + request.uri();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            System.err.println(url + " timed out; thread dump follows, then one retry on a new connection");
            Thread.getAllStackTraces().forEach((thread, stack) -> {
                System.err.println("\"" + thread.getName() + "\" " + thread.getState());
                for (StackTraceElement frame : stack) {
                    System.err.println("    at " + frame);
                }
            });
            http.close();
            http = newClient();
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    /** What every service serves: probes and metrics open, the actuator index and info for viewers. */
    protected List<Endpoint> sharedEndpoints() {
        int ready = readyInThisTest() ? 200 : 503;
        return List.of(
                Endpoint.get(Port.MANAGEMENT, "/actuator/health", Access.OPEN).answering(ready),
                Endpoint.get(Port.MANAGEMENT, "/actuator/health/liveness", Access.OPEN),
                Endpoint.get(Port.MANAGEMENT, "/actuator/health/readiness", Access.OPEN).answering(ready),
                Endpoint.get(Port.MAIN, "/healthz/ready", Access.OPEN).answering(ready),
                Endpoint.get(Port.MANAGEMENT, "/actuator/prometheus", Access.OPEN),
                Endpoint.get(Port.MANAGEMENT, "/metrics", Access.OPEN),
                Endpoint.get(Port.MANAGEMENT, "/stats/prometheus", Access.OPEN),
                Endpoint.get(Port.MANAGEMENT, "/actuator", Access.VIEWER),
                Endpoint.get(Port.MANAGEMENT, "/actuator/info", Access.VIEWER),
                // a health component other than the probes shows the service's inside: behind the rules
                Endpoint.get(Port.MANAGEMENT, "/actuator/health/ping", Access.VIEWER).answering(200, 503),
                // reads need viewer and writes admin even where nothing is mapped (then 404/405, not 200)
                Endpoint.get(Port.MAIN, "/no-such-endpoint", Access.VIEWER).answering(404),
                new Endpoint("DELETE", Port.MAIN, "/no-such-endpoint", Access.ADMIN, null, null, Set.of(404, 405)));
    }

    /** The service's access table: {@link #sharedEndpoints()} plus what the service maps itself. */
    protected List<Endpoint> endpoints() {
        return sharedEndpoints();
    }

    protected String url(Endpoint endpoint) {
        return endpoint.port() == Port.MAIN ? main(endpoint.path()) : management(endpoint.path());
    }

    protected HttpResponse<String> send(Endpoint endpoint, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(endpoint))).timeout(java.time.Duration.ofSeconds(20))
                .method(endpoint.method(), endpoint.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(endpoint.body()));
        if (endpoint.contentType() != null) {
            request.header("Content-Type", endpoint.contentType());
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return exchange(request.build());
    }

    private static String token(Caller caller) {
        return switch (caller) {
            case NO_CREDENTIAL -> null;
            case WRONG_TOKEN -> TestTokens.WRONG;
            case VIEWER -> TestTokens.VIEWER;
            case ADMIN -> TestTokens.ADMIN;
        };
    }

    @TestFactory
    Stream<DynamicTest> everyEndpointAnswersEachCallerAsItsRuleSays() {
        return endpoints().stream().flatMap(endpoint -> Arrays.stream(Caller.values()).map(caller ->
                DynamicTest.dynamicTest(endpoint + " as " + caller, () -> {
                    HttpResponse<String> response = send(endpoint, token(caller));
                    String what = endpoint + " as " + caller + " answered " + response.statusCode() + ": " + response.body();
                    boolean open = endpoint.access() == Access.OPEN;
                    boolean granted = open || caller == Caller.ADMIN || (caller == Caller.VIEWER && endpoint.access() == Access.VIEWER);
                    if (granted) {
                        assertThat(endpoint.success()).as(what).contains(response.statusCode());
                    } else if (caller == Caller.VIEWER) {
                        assertThat(response.statusCode()).as(what).isEqualTo(403);
                        assertThat(response.headers().firstValue("Content-Type")).as(what).hasValue("application/problem+json");
                    } else {
                        assertThat(response.statusCode()).as(what).isEqualTo(401);
                        assertThat(response.headers().firstValue("WWW-Authenticate")).as(what).hasValueSatisfying(
                                challenge -> assertThat(challenge).startsWith("Bearer"));
                    }
                })));
    }

    /**
     * Every request mapping of the service (controllers) and every actuator operation has a line
     * in {@link #endpoints()} with its method and a path it matches: a new endpoint must state its access.
     */
    @Test
    void everyMappedEndpointIsInTheAccessTable() {
        List<String> missing = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        List<Endpoint> table = endpoints();
        for (RequestMappingInfoHandlerMapping mapping : context.getBeansOfType(RequestMappingInfoHandlerMapping.class).values()) {
            mapping.getHandlerMethods().keySet().forEach(info -> {
                Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
                for (PathPattern pattern : info.getPatternsCondition().getPatterns()) {
                    for (RequestMethod method : methods.isEmpty() ? Set.of(RequestMethod.GET) : methods) {
                        seen.add(method + " " + pattern.getPatternString());
                        if (table.stream().noneMatch(e -> e.method().equals(method.name())
                                && pattern.matches(PathContainer.parsePath(e.path().replaceFirst("\\?.*", ""))))) {
                            missing.add(method + " " + pattern.getPatternString());
                        }
                    }
                }
            });
        }
        String base = environment.getProperty("management.endpoints.web.base-path", "/actuator");
        context.getBeanProvider(WebEndpointsSupplier.class).orderedStream().flatMap(s -> s.getEndpoints().stream())
                .flatMap(endpoint -> endpoint.getOperations().stream()).forEach(operation -> {
                    String path = base + "/" + operation.getRequestPredicate().getPath();
                    PathPattern pattern = PathPatternParser.defaultInstance.parse(path);
                    String method = operation.getRequestPredicate().getHttpMethod().name();
                    seen.add(method + " " + path);
                    if (table.stream().noneMatch(e -> e.method().equals(method) && pattern.matches(PathContainer.parsePath(e.path())))) {
                        missing.add(method + " " + path);
                    }
                });
        assertThat(seen).as("the actuator's operations were found, so the check is not empty").contains("GET /actuator/health");
        assertThat(missing).as("endpoints without a line in the access table").isEmpty();
    }

    @Test
    void runsInTheLocalProfileByDefault() {
        assertThat(Arrays.asList(environment.getActiveProfiles())).isEmpty();
        assertThat(Arrays.asList(environment.getDefaultProfiles())).containsExactly("local");
    }

    /**
     * Whether the service is ready in this test's context. A service whose readiness waits for
     * the control plane (ztunnel: its own certificate and the first xDS answer) is live but not
     * ready here, and says so.
     */
    protected boolean readyInThisTest() {
        return true;
    }

    @Test
    void reportsHealthLivenessAndReadinessUp() throws Exception {
        HttpResponse<String> liveness = get(management("/actuator/health/liveness"));
        assertThat(liveness.statusCode()).isEqualTo(200);
        assertThat(liveness.body()).contains("\"status\":\"UP\"");
        for (String path : new String[] {"/actuator/health", "/actuator/health/readiness"}) {
            HttpResponse<String> response = get(management(path));
            if (readyInThisTest()) {
                assertThat(response.statusCode()).as(path).isEqualTo(200);
                assertThat(response.body()).as(path).contains("\"status\":\"UP\"");
            } else {
                assertThat(response.statusCode()).as(path).isEqualTo(503);
                assertThat(response.body()).as(path).contains("\"status\":\"OUT_OF_SERVICE\"");
            }
        }
    }

    @Test
    void exposesPrometheusMetrics() throws Exception {
        HttpResponse<String> response = get(management("/actuator/prometheus"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("jvm_memory_used_bytes");
    }

    /** Istio's scrape paths answer the Prometheus text format; Ambit's own meters carry {@code app}. */
    @Test
    void servesIstioScrapePaths() throws Exception {
        String app = environment.getProperty("spring.application.name", "application");
        for (String path : List.of("/metrics", "/stats/prometheus")) {
            HttpResponse<String> response = get(management(path));
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).as(path).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/plain").contains("version=0.0.4"));
            assertThat(response.body()).as(path).containsPattern("(?m)^jvm_memory_used_bytes\\{.*app=\"" + java.util.regex.Pattern.quote(app) + "\"");
        }
        assertThat(get(management("/metrics/other")).statusCode()).isIn(401, 404);
    }

    @Test
    void istioReadinessFollowsTheReadinessState() throws Exception {
        assertThat(get(main("/healthz/ready")).statusCode()).isEqualTo(readyInThisTest() ? 200 : 503);
        AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
        try {
            HttpResponse<String> refusing = get(main("/healthz/ready"));
            assertThat(refusing.statusCode()).isEqualTo(503);
            assertThat(refusing.body()).isEqualTo("not ready\n");
        } finally {
            AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
        }
    }

    @Test
    void shutsDownGracefully() {
        assertThat(environment.getProperty("server.shutdown")).isEqualTo("graceful");
    }
}
