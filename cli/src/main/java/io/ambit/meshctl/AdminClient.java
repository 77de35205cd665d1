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
 * problem detail; only a refused connection is "cannot reach".
 */
public final class AdminClient {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI base;
    private final Path tokenFile;
    private final HttpClient http;

    public AdminClient(URI base, Path tokenFile) {
        this.base = base;
        this.tokenFile = tokenFile;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
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
        return send(HttpRequest.newBuilder(base.resolve("api/v1/" + path + q)).GET());
    }

    public JsonNode get(String path) {
        return get(path, Map.of());
    }

    public JsonNode postYaml(String path, String yaml) {
        return send(HttpRequest.newBuilder(base.resolve("api/v1/" + path)).header("Content-Type", "application/yaml")
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
            throw new MeshctlException("cannot reach admin-ui at " + base + " (is ./mesh up running? MESHCTL_ADMIN_URL names another)");
        } catch (IOException e) {
            throw new MeshctlException("admin-ui at " + base + " broke off: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshctlException("interrupted");
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return JSON.readTree(response.body());
        }
        String detail = detail(response.body());
        String what = built.method() + " " + built.uri().getPath();
        throw new MeshctlException(switch (status) {
            case 401 -> "admin-ui refused the token in " + tokenFile + " (HTTP 401 Unauthorized)" + detail;
            case 403 -> "the token in " + tokenFile + " may not do this (HTTP 403 Forbidden: " + what + ")" + detail;
            case 404 -> "not found (HTTP 404)" + detail;
            default -> "admin-ui answered HTTP " + status + " to " + what + detail;
        });
    }

    /** The problem detail (RFC 9457) of an error answer, and the store's problems when it refused a change. */
    static String detail(String body) {
        try {
            JsonNode problem = JSON.readTree(body);
            StringBuilder out = new StringBuilder();
            if (problem.hasNonNull("detail")) {
                out.append(": ").append(problem.path("detail").asString());
            }
            problem.path("problems").forEach(p -> out.append("\n  ").append(p.asString()));
            return out.toString();
        } catch (RuntimeException e) {
            return body == null || body.isBlank() ? "" : ": " + body.strip();
        }
    }
}
