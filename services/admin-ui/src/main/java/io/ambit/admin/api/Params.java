package io.ambit.admin.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ServerWebExchange;

/**
 * The API's front door for query parameters: only the names an endpoint knows, each at most once,
 * each bounded and of the expected shape. A request that says more than the API understands is
 * refused (400) rather than half-read, so a misspelt filter never silently returns everything.
 */
final class Params {

    /** A Kubernetes name (DNS-1123 subdomain), the longest the API server takes. */
    static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
    /** {@code namespace/name}, or an IPv4/IPv6 literal. */
    static final Pattern REFERENCE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?"
            + "|[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:]{2,39}");
    static final int MAX_VALUE = 512;

    private final MultiValueMap<String, String> query;

    private Params(MultiValueMap<String, String> query) {
        this.query = query;
    }

    static Params of(ServerWebExchange exchange, String... known) {
        return of(exchange, Set.of(), known);
    }

    /** @param repeatable the names that may be given more than once ({@link #all}), each value bounded the same way */
    static Params of(ServerWebExchange exchange, Set<String> repeatable, String... known) {
        MultiValueMap<String, String> query = exchange.getRequest().getQueryParams();
        Set<String> allowed = Set.of(known);
        for (Map.Entry<String, List<String>> entry : query.entrySet()) {
            if (!allowed.contains(entry.getKey())) {
                throw new BadRequestException(truncate(entry.getKey()), "unknown parameter \"" + truncate(entry.getKey()) + "\""
                        + (known.length == 0 ? "; this endpoint takes none" : "; known: " + String.join(", ", known)));
            }
            if (entry.getValue().size() > 1 && !repeatable.contains(entry.getKey())) {
                throw new BadRequestException(entry.getKey(), "parameter \"" + entry.getKey() + "\" is given more than once");
            }
            for (String value : entry.getValue()) {
                if (value != null && value.length() > MAX_VALUE) {
                    throw new BadRequestException(entry.getKey(), "parameter \"" + entry.getKey() + "\" is longer than " + MAX_VALUE + " characters");
                }
            }
        }
        return new Params(query);
    }

    Optional<String> get(String name, Pattern shape, String what) {
        String value = query.getFirst(name);
        if (value == null) {
            return Optional.empty();
        }
        if (!shape.matcher(value).matches()) {
            throw new BadRequestException(name, "parameter \"" + name + "\" is not " + what + ": \"" + truncate(value) + "\"");
        }
        return Optional.of(value);
    }

    /** Every value of a repeatable parameter, in order; none when absent. */
    List<String> all(String name) {
        List<String> values = query.get(name);
        return values == null ? List.of() : values.stream().map(v -> v == null ? "" : v).toList();
    }

    String required(String name, Pattern shape, String what) {
        return get(name, shape, what).orElseThrow(() -> new BadRequestException(name, "parameter \"" + name + "\" is required (" + what + ")"));
    }

    int port(String name) {
        String value = required(name, Pattern.compile("[0-9]{1,5}"), "a port (1-65535)");
        int port = Integer.parseInt(value);
        if (port < 1 || port > 65535) {
            throw new BadRequestException(name, "parameter \"" + name + "\" is not a port (1-65535): " + port);
        }
        return port;
    }

    static String name(String value, String what) {
        if (value.length() > 253 || !NAME.matcher(value).matches()) {
            throw new BadRequestException(what, what + " is not a Kubernetes name: \"" + truncate(value) + "\"");
        }
        return value;
    }

    /** Hostile input can be long or carry control characters; an error quotes a safe, short form. */
    static String truncate(String value) {
        String printable = value.codePoints().map(c -> c < 0x20 || c == 0x7f ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return printable.length() <= 64 ? printable : printable.substring(0, 64) + "…";
    }
}
