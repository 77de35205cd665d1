package io.ambit.admin.explain;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.ambit.authz.rbac.RequestAttributes;

/**
 * The HTTP request an explanation through a waypoint is about ({@code method}, {@code path},
 * {@code headers}), seen as the waypoint's RBAC filter sees a request: pseudo-headers from the
 * request line, header names case-insensitive. Without one the explainer asks about {@code GET /}.
 *
 * @param uri     the path with its query, as sent ({@code /admin?x=1})
 * @param headers lower-case names; a repeated header's values joined with {@code ,}
 */
public record HttpProbe(String method, String uri, String authority, Map<String, String> headers) implements RequestAttributes {

    public static final HttpProbe DEFAULT = new HttpProbe("GET", "/", "", Map.of());

    public HttpProbe {
        TreeMap<String, String> lower = new TreeMap<>();
        headers.forEach((name, value) -> lower.merge(name.toLowerCase(Locale.ROOT), value, (a, b) -> a + "," + b));
        headers = java.util.Collections.unmodifiableMap(lower);
    }

    /** The request for a service host (its {@code :authority}). */
    HttpProbe to(String host) {
        return new HttpProbe(method, uri, host, headers);
    }

    @Override
    public String path() {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    @Override
    public String header(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case ":method" -> method;
            case ":path" -> uri;
            case ":authority", "host" -> authority;
            case ":scheme" -> "http";
            default -> headers.get(name.toLowerCase(Locale.ROOT));
        };
    }

    /** How the explanation names the request: {@code GET /admin} with its headers. */
    public String describe() {
        return method + " " + uri + (headers.isEmpty() ? "" : " " + headers);
    }
}
