package io.ambit.meshctl;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * meshctl's way to the mesh: admin-ui's REST API ({@code MESHCTL_ADMIN_URL}, default
 * {@code http://127.0.0.1:8080}) with the admin token from {@code MESHCTL_TOKEN_FILE} (default
 * {@code .mesh/tokens/admin}, which {@code ./mesh up} writes). The token travels in a header,
 * never on a command line. HTTP 401, 403 and 404 are reported as what they are, with the API's
 * problem detail; only a refused connection is "cannot reach". {@link #xdsServerFromEnvironment} is the
 * same client for the xds-server's debug views ({@code MESHCTL_SERVER}, default {@code http://127.0.0.1:15011}).
 */
public final class AdminClient {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI base;
    private final Path tokenFile;
    private final HttpClient http;
    /** What paths are relative to ({@code api/v1/} on admin-ui), the service's name and the variable naming its URL, for messages. */
    private final String prefix;
    private final String service;
    private final String variable;

    public AdminClient(URI base, Path tokenFile) {
        this(base, tokenFile, "api/v1/", "admin-ui", "MESHCTL_ADMIN_URL");
    }

    private AdminClient(URI base, Path tokenFile, String prefix, String service, String variable) {
        this.base = base;
        this.tokenFile = tokenFile;
        this.prefix = prefix;
        this.service = service;
        this.variable = variable;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** The xds-server's HTTP port (debug views under {@code /debug/xds/}), with the same admin token. */
    public static AdminClient xdsServer(URI base, Path tokenFile) {
        return new AdminClient(base, tokenFile, "", "the xds-server", "MESHCTL_SERVER");
    }

    public static AdminClient xdsServerFromEnvironment() {
        String url = System.getenv().getOrDefault("MESHCTL_SERVER", "http://127.0.0.1:15011");
        String file = System.getenv().getOrDefault("MESHCTL_TOKEN_FILE", ".mesh/tokens/admin");
        return xdsServer(URI.create(url.endsWith("/") ? url : url + "/"), Path.of(file));
    }

    public static AdminClient fromEnvironment() {
        String url = System.getenv().getOrDefault("MESHCTL_ADMIN_URL", "http://127.0.0.1:8080");
        String file = System.getenv().getOrDefault("MESHCTL_TOKEN_FILE", ".mesh/tokens/admin");
        return new AdminClient(URI.create(url.endsWith("/") ? url : url + "/"), Path.of(file));
    }

    public URI base() {
        return base;
    }

    public JsonNode get(String path, Map<String, String> query) {
        return get(path, query.entrySet().stream().toList());
    }

    /** A GET whose query may name a parameter more than once ({@code header=…&header=…}); null values are left out. */
    public JsonNode get(String path, java.util.List<Map.Entry<String, String>> query) {
        StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
        query.forEach(e -> {
            if (e.getValue() != null) {
                q.add(e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            }
        });
        return send(HttpRequest.newBuilder(base.resolve(prefix + path + q)).GET());
    }

    public JsonNode get(String path) {
        return get(path, Map.of());
    }

    public JsonNode postYaml(String path, String yaml) {
        return send(HttpRequest.newBuilder(base.resolve(prefix + path)).header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(yaml)));
    }

    private String token() {
        try {
            return Files.readString(tokenFile).strip();
        } catch (IOException e) {
            throw new MeshctlException("no admin token at " + tokenFile + ": is ./mesh up running? (MESHCTL_TOKEN_FILE names another)");
        }
    }

    private JsonNode send(HttpRequest.Builder request) {
        request.timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token()).header("Accept", "application/json");
        HttpRequest built = request.build();
        HttpResponse<String> response;
        try {
            response = http.send(built, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new MeshctlException("cannot reach " + service + " at " + base + " (is ./mesh up running? " + variable + " names another)");
        } catch (IOException e) {
            throw new MeshctlException(service + " at " + base + " broke off: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshctlException("interrupted");
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            try {
                return JSON.readTree(response.body());
            } catch (tools.jackson.core.JacksonException e) {
                throw new MeshctlException(service + " at " + base + " answered " + built.method() + " " + built.uri().getPath()
                        + " with something that is not JSON: " + e.getOriginalMessage());
            }
        }
        String detail = detail(response.body());
        String what = built.method() + " " + built.uri().getPath();
        throw new MeshctlException(switch (status) {
            case 401 -> service + " refused the token in " + tokenFile + " (HTTP 401 Unauthorized)" + detail;
            case 403 -> "the token in " + tokenFile + " may not do this (HTTP 403 Forbidden: " + what + ")" + detail;
            case 404 -> "not found (HTTP 404)" + detail;
            default -> service + " answered HTTP " + status + " to " + what + detail;
        });
    }

    /** The problem detail (RFC 9457) of an error answer, and the store's problems when it refused a change. */
    static String detail(String body) {
        try {
            JsonNode problem = JSON.readTree(body);
            StringBuilder out = new StringBuilder();
            if (problem.hasNonNull("detail")) {
                out.append(": ").append(problem.path("detail").asString());
            } else if (problem.hasNonNull("error")) { // the xds-server's debug views
                out.append(": ").append(problem.path("error").asString());
            }
            problem.path("problems").forEach(p -> out.append("\n  ").append(p.asString()));
            return out.toString();
        } catch (RuntimeException e) {
            return body == null || body.isBlank() ? "" : ": " + body.strip();
        }
    }
}
