package io.ambit.gatewayapi.istio.crd;

import io.ambit.gatewayapi.istio.AuthorizationPolicySpec;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** {@code security.istio.io/v1} AuthorizationPolicy: its CRD's schema is {@link AuthorizationPolicySpec}'s. */
@Group("security.istio.io")
@Version("v1")
@Kind("AuthorizationPolicy")
@Plural("authorizationpolicies")
@ShortNames("ap")
public class AuthorizationPolicy extends CustomResource<AuthorizationPolicySpec, IstioStatus> implements Namespaced {
}
