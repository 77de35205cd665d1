package io.ambit.l7.route;

import java.util.List;

import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.netty.handler.codec.http.HttpHeaders;

/** Envoy's {@code *_headers_to_add} / {@code *_headers_to_remove}, applied in Envoy's order: remove, then add. */
public record HeaderOps(List<HeaderValueOption> add, List<String> remove) {

    public static final HeaderOps NONE = new HeaderOps(List.of(), List.of());

    public HeaderOps {
        add = List.copyOf(add);
        remove = List.copyOf(remove);
    }

    public boolean isEmpty() {
        return add.isEmpty() && remove.isEmpty();
    }

    public void apply(HttpHeaders headers) {
        remove.forEach(headers::remove);
        for (HeaderValueOption option : add) {
            String name = option.getHeader().getKey();
            String value = option.getHeader().getValue();
            switch (option.getAppendAction()) {
                case OVERWRITE_IF_EXISTS_OR_ADD -> headers.set(name, value);
                case ADD_IF_ABSENT -> {
                    if (!headers.contains(name)) {
                        headers.add(name, value);
                    }
                }
                case OVERWRITE_IF_EXISTS -> {
                    if (headers.contains(name)) {
                        headers.set(name, value);
                    }
                }
                default -> {
                    // APPEND_IF_EXISTS_OR_ADD, unless the deprecated append=false says overwrite
                    if (option.hasAppend() && !option.getAppend().getValue()) {
                        headers.set(name, value);
                    } else {
                        headers.add(name, value);
                    }
                }
            }
        }
    }
}
