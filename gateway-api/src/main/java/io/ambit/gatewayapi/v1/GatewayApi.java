package io.ambit.gatewayapi.v1;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Constants and value parsers shared by the Gateway API kinds. */
public final class GatewayApi {

    public static final String GROUP = "gateway.networking.k8s.io";

    /** GEP-2257 duration: {@code ^([0-9]{1,5}(h|m|s|ms)){1,4}$} (shared_types.go). */
    private static final Pattern DURATION = Pattern.compile("^([0-9]{1,5}(h|m|s|ms)){1,4}$");
    private static final Pattern PART = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");

    private GatewayApi() {
    }

    /** @throws IllegalArgumentException when {@code text} is not a GEP-2257 duration */
    public static Duration duration(String text) {
        if (text == null || !DURATION.matcher(text).matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a Gateway API duration (e.g. 1h, 10s, 500ms)");
        }
        Duration total = Duration.ZERO;
        Matcher part = PART.matcher(text);
        while (part.find()) {
            long n = Long.parseLong(part.group(1));
            total = total.plus(switch (part.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
        }
        return total;
    }
}
