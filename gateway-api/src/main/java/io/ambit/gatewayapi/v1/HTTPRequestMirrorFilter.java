package io.ambit.gatewayapi.v1;

/** {@code requestMirror}: a copy of each request (or {@code percent} / {@code fraction} of them) to another backend. */
public record HTTPRequestMirrorFilter(BackendObjectReference backendRef, Integer percent, Fraction fraction) {

    public HTTPRequestMirrorFilter {
        Checks.required(backendRef, "backendRef");
        if (percent != null && fraction != null) {
            throw new IllegalArgumentException("only one of percent or fraction may be specified");
        }
        if (percent != null && (percent < 0 || percent > 100)) {
            throw new IllegalArgumentException("percent must be between 0 and 100");
        }
    }

    public record Fraction(int numerator, Integer denominator) {
        public Fraction {
            int d = denominator == null ? 100 : denominator;
            if (numerator < 0 || d < 1 || numerator > d) {
                throw new IllegalArgumentException("fraction needs 0 <= numerator <= denominator and denominator >= 1");
            }
        }

        public int denominatorOrDefault() {
            return denominator == null ? 100 : denominator;
        }
    }
}
