package io.ambit.admin.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.ambit.admin.explain.HttpProbe;

/**
 * The explainer's HTTP request from query parameters ({@code method}, {@code path}, {@code header}
 * repeatable as {@code name:value}), checked as strictly as the rest of the front door: a method is
 * an HTTP token, a path starts with {@code /} and carries no control character or space, a header
 * name is a token and its value has no control character; at most {@value #MAX_HEADERS} headers.
 * Pseudo-headers ({@code :path} …) come from method and path, never from {@code header}.
 */
final class HttpRequestParams {

    static final int MAX_HEADERS = 32;
    /** RFC 9110 token: what a method and a field name are made of. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
    private static final Pattern PATH = Pattern.compile("/[\\x21-\\x7e]{0,2047}");
    private static final Pattern VALUE = Pattern.compile("[\\x20-\\x7e\\t]{0,448}");

    private HttpRequestParams() {
    }

    static HttpProbe probe(Params params) {
        var method = params.get("method", TOKEN, "an HTTP method (a token such as GET)");
        var path = params.get("path", PATH, "an HTTP path (starting with /, no spaces or control characters)");
        List<String> raw = params.all("header");
        if (method.isEmpty() && path.isEmpty() && raw.isEmpty()) {
            return HttpProbe.DEFAULT;
        }
        if (raw.size() > MAX_HEADERS) {
            throw new BadRequestException("header", "at most " + MAX_HEADERS + " headers; " + raw.size() + " given");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header : raw) {
            int colon = header.indexOf(':');
            String name = colon < 0 ? header : header.substring(0, colon);
            if (colon <= 0 || !TOKEN.matcher(name).matches()) {
                throw new BadRequestException("header", "parameter \"header\" is not name:value with a token name: \""
                        + Params.truncate(header) + "\"");
            }
            String value = header.substring(colon + 1).strip();
            if (!VALUE.matcher(value).matches()) {
                throw new BadRequestException("header", "header " + name + "'s value has a control character or is too long");
            }
            headers.merge(name, value, (a, b) -> a + "," + b);
        }
        return new HttpProbe(method.orElse("GET"), path.orElse("/"), "", headers);
    }
}
