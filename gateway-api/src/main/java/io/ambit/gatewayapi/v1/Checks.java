package io.ambit.gatewayapi.v1;

import java.util.List;

/** The CRD rules a record's compact constructor checks; each failure names the field. */
final class Checks {

    private Checks() {
    }

    static void required(Object value, String field) {
        if (value == null || (value instanceof String s && s.isEmpty())) {
            throw new IllegalArgumentException(field + " is required");
        }
    }

    static void port(Integer port, String field) {
        if (port != null && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException(field + " must be between 1 and 65535");
        }
    }

    static <T> List<T> list(List<T> values) {
        return values == null ? List.of() : List.copyOf(values);
    }

    /**
     * A filter's {@code type} names the one field that is set (the CRDs' CEL rules):
     * {@code names[i]} is the field holding {@code values[i]}.
     */
    static void filterFields(String type, String[] names, Object... values) {
        String expected = type.equals("URLRewrite") ? "urlRewrite" : type.equals("CORS") ? "cors"
                : Character.toLowerCase(type.charAt(0)) + type.substring(1);
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(expected) && values[i] == null) {
                throw new IllegalArgumentException(expected + " must be set when type is " + type);
            }
        }
        for (int i = 0; i < names.length; i++) {
            if (!names[i].equals(expected) && values[i] != null) {
                throw new IllegalArgumentException(names[i] + " must not be set when type is " + type);
            }
        }
    }

    /** Path values in matches and rewrites are absolute. */
    static void absolutePath(String value, String field) {
        if (value != null && !value.startsWith("/")) {
            throw new IllegalArgumentException(field + " must start with '/'");
        }
    }
}
