package io.ambit.gatewayapi.envoy;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Istio's durations as its CRDs accept them: Go's {@code time.ParseDuration} forms
 * ({@code 5s}, {@code 1.5s}, {@code 1m30s}, {@code 250ms}), positive and bounded.
 */
public final class IstioDurations {

    private static final Pattern WHOLE = Pattern.compile("(?:[0-9]{1,9}(?:\\.[0-9]{1,9})?(?:h|m|s|ms|us|µs|ns))+");
    private static final Pattern PART = Pattern.compile("([0-9]{1,9}(?:\\.[0-9]{1,9})?)(h|ms|m|s|us|µs|ns)");
    private static final Duration MAX = Duration.ofDays(3650);

    private IstioDurations() {
    }

    /** @throws IllegalArgumentException naming {@code field} when the text is not a duration */
    public static Duration parse(String text, String field) {
        if (text == null || !WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException(field + ": \"" + text + "\" is not a duration (such as 5s, 1.5s, 250ms, 1m30s)");
        }
        Matcher m = PART.matcher(text);
        java.math.BigDecimal nanos = java.math.BigDecimal.ZERO;
        while (m.find()) {
            long unit = switch (m.group(2)) {
                case "h" -> 3_600_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "s" -> 1_000_000_000L;
                case "ms" -> 1_000_000L;
                case "us", "µs" -> 1_000L;
                default -> 1L;
            };
            nanos = nanos.add(new java.math.BigDecimal(m.group(1)).multiply(java.math.BigDecimal.valueOf(unit)));
        }
        Duration d = Duration.ofNanos(nanos.min(java.math.BigDecimal.valueOf(MAX.toNanos())).longValue());
        if (d.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException(field + ": \"" + text + "\" is shorter than 1ms");
        }
        return d;
    }

    public static com.google.protobuf.Duration proto(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }
}
