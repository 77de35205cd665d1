package io.ambit.gatewayapi.istio.crd;

import io.ambit.gatewayapi.istio.DestinationRuleSpec;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * {@code networking.istio.io/v1} DestinationRule: its CRD's schema is {@link DestinationRuleSpec}'s
 * (the traffic policy Ambit applies to a waypoint's clusters).
 */
@Group("networking.istio.io")
@Version("v1")
@Kind("DestinationRule")
@Plural("destinationrules")
@ShortNames("dr")
public class DestinationRule extends CustomResource<DestinationRuleSpec, IstioStatus> implements Namespaced {
}
