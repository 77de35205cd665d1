package io.ambit.authz.rbac;

/**
 * An Envoy matcher or RBAC config this code does not evaluate (a NACK in the waypoint, a stated
 * refusal in admin-ui's explainer): never treated as matching or not matching.
 */
public class RbacConfigException extends RuntimeException {

    public RbacConfigException(String message) {
        super(message);
    }
}
