package io.ambit.ztunnel.state;

import io.ambit.authz.AuthorizationPolicy;
import io.ambit.authz.InvalidPolicyException;
import io.ambit.proto.security.Authorization;

/**
 * {@code istio.security.Authorization} from xDS → {@link AuthorizationPolicy}: the resource's name
 * must be the policy's {@code namespace/name}; the policy itself is read by the shared
 * {@link io.ambit.authz.AuthorizationParser}, whose refusal becomes the NACK reason.
 */
final class AuthorizationParser extends ResourceParser<Authorization, AuthorizationPolicy> {

    AuthorizationParser() {
        super(Authorization.class, "istio.security.Authorization");
    }

    @Override
    AuthorizationPolicy doParse(String name, Authorization a) throws InvalidResourceException {
        String key = a.getNamespace() + "/" + a.getName();
        if (!a.getName().isEmpty() && !a.getNamespace().isEmpty() && !name.equals(key)) {
            throw new InvalidResourceException("resource name is not the policy's namespace/name \"" + truncate(key) + "\"");
        }
        try {
            return io.ambit.authz.AuthorizationParser.parse(a);
        } catch (InvalidPolicyException e) {
            throw new InvalidResourceException(e.getMessage());
        }
    }
}
