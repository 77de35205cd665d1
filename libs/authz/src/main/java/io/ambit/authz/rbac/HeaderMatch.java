package io.ambit.authz.rbac;

import java.util.function.Predicate;

import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;

/** Envoy's {@code HeaderMatcher} (string match or presence, optionally inverted), compiled. */
public final class HeaderMatch {

    private HeaderMatch() {
    }

    public static Predicate<RequestAttributes> compile(HeaderMatcher m) {
        String name = m.getName();
        Predicate<String> value = switch (m.getHeaderMatchSpecifierCase()) {
            case STRING_MATCH -> StringMatch.compile(m.getStringMatch());
            case PRESENT_MATCH -> v -> m.getPresentMatch();
            case EXACT_MATCH -> v -> v.equals(m.getExactMatch());
            case PREFIX_MATCH -> v -> v.startsWith(m.getPrefixMatch());
            case SUFFIX_MATCH -> v -> v.endsWith(m.getSuffixMatch());
            case HEADERMATCHSPECIFIER_NOT_SET -> v -> true; // Envoy: no specifier means presence
            default -> throw new RbacConfigException("header matcher " + m.getHeaderMatchSpecifierCase() + " is not supported");
        };
        boolean presence = m.getHeaderMatchSpecifierCase() == HeaderMatcher.HeaderMatchSpecifierCase.PRESENT_MATCH;
        boolean invert = m.getInvertMatch();
        return request -> {
            String v = request.header(name);
            boolean matched = v == null ? presence && !m.getPresentMatch() : value.test(v);
            return invert != matched;
        };
    }
}
