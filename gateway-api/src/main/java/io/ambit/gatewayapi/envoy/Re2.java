package io.ambit.gatewayapi.envoy;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Gateway API {@code RegularExpression} matches are RE2 (Envoy's {@code safe_regex}). Java cannot
 * run RE2, but it can refuse what RE2 does not have (look-around, back-references, atomic groups,
 * possessive quantifiers) and what does not parse, so that a route Envoy would reject is reported
 * instead of sent.
 */
final class Re2 {

    private static final Pattern NOT_RE2 = Pattern.compile("\\(\\?[=!>]|\\(\\?<[=!]|\\\\[1-9]|\\\\k<|[*+?}]\\+");

    private Re2() {
    }

    /** @return null if acceptable, else why not */
    static String problem(String regex) {
        if (NOT_RE2.matcher(regex).find()) {
            return "\"" + regex + "\" uses a construct RE2 does not support (look-around, back-reference, atomic group or possessive quantifier)";
        }
        try {
            Pattern.compile(regex);
            return null;
        } catch (PatternSyntaxException e) {
            return "\"" + regex + "\" is not a valid regular expression: " + e.getDescription();
        }
    }
}
