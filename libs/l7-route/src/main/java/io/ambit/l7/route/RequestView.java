package io.ambit.l7.route;

import java.util.List;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * What routing and authorization look at in a request: method, the path without its query, the
 * query parameters and the headers. {@code :authority} is the Host header (HTTP/1.1).
 */
public record RequestView(String method, String path, String rawQuery, String authority, HttpHeaders headers)
        implements io.ambit.authz.rbac.RequestAttributes {

    public static RequestView of(String method, String uri, HttpHeaders headers) {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String query = q < 0 ? "" : uri.substring(q + 1);
        String host = headers.get("host", "");
        return new RequestView(method, path, query, host, headers);
    }

    /** A header as Envoy's matchers see it: pseudo-headers from the request line, repeated values joined with {@code ,}. */
    @Override
    public String header(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case ":method" -> method;
            case ":path" -> rawQuery.isEmpty() ? path : path + "?" + rawQuery;
            case ":authority", "host" -> authority;
            case ":scheme" -> "http";
            default -> {
                List<String> values = headers.getAll(name);
                yield values.isEmpty() ? null : String.join(",", values);
            }
        };
    }

    public List<String> queryParameter(String name) {
        return new QueryStringDecoder(rawQuery, false).parameters().getOrDefault(name, List.of());
    }

    public boolean hasQueryParameter(String name) {
        return new QueryStringDecoder(rawQuery, false).parameters().containsKey(name);
    }
}
