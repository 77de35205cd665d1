package io.ambit.authz;

/** {@code istio.security.StringMatch}: Istio's wildcard forms, never a regular expression. */
public sealed interface StringMatcher {

    boolean matches(String value);

    record Exact(String value) implements StringMatcher {
        @Override
        public boolean matches(String candidate) {
            return value.equals(candidate);
        }
    }

    record Prefix(String prefix) implements StringMatcher {
        @Override
        public boolean matches(String candidate) {
            return candidate.startsWith(prefix);
        }
    }

    record Suffix(String suffix) implements StringMatcher {
        @Override
        public boolean matches(String candidate) {
            return candidate.endsWith(suffix);
        }
    }

    /** Istio's {@code *}: any non-empty value. */
    record Presence() implements StringMatcher {
        @Override
        public boolean matches(String candidate) {
            return !candidate.isEmpty();
        }
    }
}
