package io.ambit.identity;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A SPIFFE ID, {@code spiffe://<trust-domain><path>}, validated per the SPIFFE ID specification
 * (section 2): a lower-case trust domain of {@code [a-z0-9._-]}, a path of segments of
 * {@code [a-zA-Z0-9._-]}, none empty, {@code .} or {@code ..}; no percent-encoding, query,
 * fragment, port or user info; at most 2048 bytes. Parsing is strict on purpose: the ID is
 * compared byte for byte in policy, so there must be exactly one spelling of each identity.
 */
public record SpiffeId(String trustDomain, String path) {

    public static final String SCHEME_PREFIX = "spiffe://";
    /** The specification's limit on the whole URI, in bytes. */
    public static final int MAX_LENGTH_BYTES = 2048;

    public SpiffeId {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(path, "path");
        validateTrustDomain(trustDomain);
        validatePath(path);
        if ((SCHEME_PREFIX + trustDomain + path).getBytes(StandardCharsets.UTF_8).length > MAX_LENGTH_BYTES) {
            throw new InvalidSpiffeIdException("SPIFFE ID is longer than " + MAX_LENGTH_BYTES + " bytes");
        }
    }

    /** Parses {@code spiffe://trust-domain/path}, rejecting anything the specification forbids. */
    public static SpiffeId parse(String uri) {
        if (uri == null || uri.isEmpty()) {
            throw new InvalidSpiffeIdException("SPIFFE ID is empty");
        }
        if (uri.indexOf('\0') >= 0) {
            throw new InvalidSpiffeIdException("SPIFFE ID contains a NUL byte");
        }
        if (uri.getBytes(StandardCharsets.UTF_8).length > MAX_LENGTH_BYTES) {
            throw new InvalidSpiffeIdException("SPIFFE ID is longer than " + MAX_LENGTH_BYTES + " bytes");
        }
        if (!uri.startsWith(SCHEME_PREFIX)) {
            int colon = uri.indexOf("://");
            if (colon > 0 && uri.substring(0, colon).equalsIgnoreCase("spiffe")) {
                throw new InvalidSpiffeIdException("SPIFFE ID scheme must be lower-case 'spiffe'");
            }
            throw new InvalidSpiffeIdException("SPIFFE ID must start with 'spiffe://'");
        }
        String rest = uri.substring(SCHEME_PREFIX.length());
        int slash = rest.indexOf('/');
        String trustDomain = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        return new SpiffeId(trustDomain, path);
    }

    /** The SPIFFE ID of the trust domain itself (no path). */
    public static SpiffeId ofTrustDomain(String trustDomain) {
        return new SpiffeId(trustDomain, "");
    }

    static void validateTrustDomain(String trustDomain) {
        if (trustDomain.isEmpty()) {
            throw new InvalidSpiffeIdException("SPIFFE ID trust domain is empty");
        }
        for (int i = 0; i < trustDomain.length(); i++) {
            char c = trustDomain.charAt(i);
            if (isTrustDomainChar(c)) {
                continue;
            }
            throw new InvalidSpiffeIdException(switch (c) {
                case '@' -> "SPIFFE ID must not contain user info";
                case ':' -> "SPIFFE ID must not contain a port";
                case '?' -> "SPIFFE ID must not contain a query";
                case '#' -> "SPIFFE ID must not contain a fragment";
                case '%' -> "SPIFFE ID must not contain percent-encoding";
                default -> (c >= 'A' && c <= 'Z')
                        ? "SPIFFE ID trust domain must be lower-case: '" + trustDomain + "'"
                        : "SPIFFE ID trust domain contains a character outside [a-z0-9._-] at index " + i;
            });
        }
    }

    static void validatePath(String path) {
        if (path.isEmpty()) {
            return;
        }
        if (path.charAt(0) != '/') {
            throw new InvalidSpiffeIdException("SPIFFE ID path must start with '/'");
        }
        int segmentStart = 1;
        for (int i = 1; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                String segment = path.substring(segmentStart, i);
                if (segment.isEmpty()) {
                    throw new InvalidSpiffeIdException(i == path.length()
                            ? "SPIFFE ID path must not end with '/'"
                            : "SPIFFE ID path has an empty segment");
                }
                if (segment.equals(".") || segment.equals("..")) {
                    throw new InvalidSpiffeIdException("SPIFFE ID path must not contain a '" + segment + "' segment");
                }
                segmentStart = i + 1;
                continue;
            }
            char c = path.charAt(i);
            if (isPathChar(c)) {
                continue;
            }
            throw new InvalidSpiffeIdException(switch (c) {
                case '?' -> "SPIFFE ID must not contain a query";
                case '#' -> "SPIFFE ID must not contain a fragment";
                case '%' -> "SPIFFE ID must not contain percent-encoding";
                default -> "SPIFFE ID path contains a character outside [a-zA-Z0-9._-] at index " + i;
            });
        }
    }

    private static boolean isTrustDomainChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
    }

    private static boolean isPathChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '-' || c == '_';
    }

    public boolean isMemberOf(String otherTrustDomain) {
        return trustDomain.equals(otherTrustDomain);
    }

    @Override
    public String toString() {
        return SCHEME_PREFIX + trustDomain + path;
    }
}
