package io.ambit.gatewayapi.v1;

import java.util.List;

/** {@code requestHeaderModifier} / {@code responseHeaderModifier}: set, add, remove (header names are case-insensitive). */
public record HTTPHeaderFilter(List<HTTPHeader> set, List<HTTPHeader> add, List<String> remove) {

    public HTTPHeaderFilter {
        set = Checks.list(set);
        add = Checks.list(add);
        remove = Checks.list(remove);
    }

    public record HTTPHeader(String name, String value) {
        public HTTPHeader {
            Checks.required(name, "name");
            Checks.required(value, "value");
        }
    }
}
