package io.ambit.authz.rbac;

import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/** Envoy's {@code StringMatcher}, compiled once per snapshot; regexes match the whole value, as Envoy's safe_regex does. */
public final class StringMatch {

    private StringMatch() {
    }

    public static Predicate<String> compile(StringMatcher m) {
        boolean ic = m.getIgnoreCase();
        return switch (m.getMatchPatternCase()) {
            case EXACT -> ic ? v -> v.equalsIgnoreCase(m.getExact()) : v -> v.equals(m.getExact());
            case PREFIX -> ic ? v -> lower(v).startsWith(lower(m.getPrefix())) : v -> v.startsWith(m.getPrefix());
            case SUFFIX -> ic ? v -> lower(v).endsWith(lower(m.getSuffix())) : v -> v.endsWith(m.getSuffix());
            case CONTAINS -> ic ? v -> lower(v).contains(lower(m.getContains())) : v -> v.contains(m.getContains());
            case SAFE_REGEX -> {
                Pattern p = regex(m.getSafeRegex().getRegex());
                yield v -> p.matcher(v).matches();
            }
            default -> throw new RbacConfigException("string matcher " + m.getMatchPatternCase() + " is not supported");
        };
    }

    public static Pattern regex(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new RbacConfigException("invalid regex \"" + regex + "\": " + e.getDescription());
        }
    }

    private static String lower(String v) {
        return v.toLowerCase(Locale.ROOT);
    }
}
