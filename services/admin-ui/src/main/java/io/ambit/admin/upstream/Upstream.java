package io.ambit.admin.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

import io.ambit.service.security.MeshSecurityProperties;
import io.ambit.service.security.TokenFiles;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * admin-ui's HTTP client to the mesh: reads with the viewer credential, writes with the caller's
 * token. Bodies are capped ({@value #MAX_BODY} bytes) so a broken or hostile upstream cannot
 * exhaust admin-ui's memory; a redirect is never followed.
 */
public final class Upstream {

    /** 1,000 workloads' resources are ~1 MiB of JSON; this leaves room. */
    static final int MAX_BODY = 32 * 1024 * 1024;
    public static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http;
    private final Duration timeout;
    private final Supplier<Optional<String>> viewerToken;

    public Upstream(Duration timeout, Supplier<Optional<String>> viewerToken) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.timeout = timeout;
        this.viewerToken = viewerToken;
    }

    /** The viewer credential of {@code ambit.security.viewer}, read afresh each time (a rotated file is picked up). */
    public static Supplier<Optional<String>> viewerToken(MeshSecurityProperties security) {
        MeshSecurityProperties.Credential viewer = security.viewer();
        return () -> {
            if (viewer.token() != null && !viewer.token().isBlank()) {
                return Optional.of(viewer.token().strip());
            }
            if (viewer.tokenFile() == null || !java.nio.file.Files.exists(viewer.tokenFile())) {
                return Optional.empty();
            }
            return Optional.of(TokenFiles.read("viewer", viewer.tokenFile()));
        };
    }

    /** GET with the viewer credential; the body as JSON. */
    public JsonNode getJson(String name, URI url) {
        return JSON.readTree(get(name, url, true));
    }

    /** GET, with the viewer credential when {@code authenticated}; the body as text. */
    public String get(String name, URI url, boolean authenticated) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout).GET();
        if (authenticated) {
            viewerToken.get().ifPresent(token -> request.header("Authorization", "Bearer " + token));
        }
        return send(name, request.build());
    }

    /** POST a body with the caller's own bearer token (writes are the caller's, never admin-ui's). */
    public String post(String name, URI url, String contentType, String body, String callerToken) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", contentType).header("Authorization", "Bearer " + callerToken)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        return send(name, request);
    }

    private String send(String name, HttpRequest request) {
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UpstreamException(name, 0, "", name + " at " + request.uri().getHost() + ":" + request.uri().getPort()
                    + " cannot be reached: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException(name, 0, "", "interrupted while asking " + name);
        }
        String body;
        try (InputStream in = response.body()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                throw new UpstreamException(name, response.statusCode(), "", name + " answered more than " + MAX_BODY + " bytes");
            }
            body = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UpstreamException(name, 0, "", name + " broke off its answer: " + e.getMessage());
        }
        if (response.statusCode() / 100 != 2) {
            throw new UpstreamException(name, response.statusCode(), body,
                    name + " answered HTTP " + response.statusCode() + " to " + request.method() + " " + request.uri().getPath());
        }
        return body;
    }
}
