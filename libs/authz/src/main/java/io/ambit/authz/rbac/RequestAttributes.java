package io.ambit.authz.rbac;

/**
 * What Envoy's matchers read from an HTTP request: the method, the path without its query, and
 * headers as Envoy sees them (pseudo-headers {@code :method}, {@code :path}, {@code :authority}
 * answered from the request line; repeated values joined with {@code ,}). The waypoint's request
 * view implements it; admin-ui's explainer builds one from the operator's {@code method},
 * {@code path} and {@code headers}.
 */
public interface RequestAttributes {

    /** A byte stream (a TCP port's connection): no method, path or headers, so HTTP matchers see nothing. */
    RequestAttributes NONE = new RequestAttributes() {
        @Override
        public String method() {
            return "";
        }

        @Override
        public String path() {
            return "";
        }

        @Override
        public String header(String name) {
            return null;
        }
    };

    String method();

    /** The path without its query. */
    String path();

    /** A header's value as Envoy's {@code HeaderMatcher} sees it, or {@code null} when absent. */
    String header(String name);
}
