package io.ambit.authz.rbac;

/**
 * What Envoy's matchers read from an HTTP request: the method, the path without its query, and
 * headers as Envoy sees them (pseudo-headers {@code :method}, {@code :path}, {@code :authority}
 * answered from the request line; repeated values joined with {@code ,}). The waypoint's request
 * view implements it; admin-ui's explainer builds one from the operator's {@code method},
 * {@code path} and {@code headers}.
 */
public interface RequestAttributes {

    String method();

    /** The path without its query. */
    String path();

    /** A header's value as Envoy's {@code HeaderMatcher} sees it, or {@code null} when absent. */
    String header(String name);
}
