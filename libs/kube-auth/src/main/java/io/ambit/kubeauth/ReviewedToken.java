package io.ambit.kubeauth;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the API server says a ServiceAccount token proves.
 *
 * @param namespace      the account's namespace
 * @param serviceAccount the account's name
 * @param extra          the user's extra claims (pod-bound tokens: {@code authentication.kubernetes.io/*})
 */
public record ReviewedToken(String namespace, String serviceAccount, Map<String, List<String>> extra) {

    public static final String NODE_NAME = "authentication.kubernetes.io/node-name";
    public static final String POD_NAME = "authentication.kubernetes.io/pod-name";
    public static final String POD_UID = "authentication.kubernetes.io/pod-uid";

    public ReviewedToken {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    /** {@code namespace/serviceAccount}. */
    public String account() {
        return namespace + "/" + serviceAccount;
    }

    /** The first value of an extra claim. */
    public Optional<String> claim(String key) {
        List<String> values = extra.get(key);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.ofNullable(values.getFirst());
    }
}
