package io.ambit.gatewayapi.istio.crd;

import io.ambit.gatewayapi.istio.ServiceEntrySpec;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** {@code networking.istio.io/v1} ServiceEntry: its CRD's schema is {@link ServiceEntrySpec}'s. */
@Group("networking.istio.io")
@Version("v1")
@Kind("ServiceEntry")
@Plural("serviceentries")
@ShortNames("se")
public class ServiceEntry extends CustomResource<ServiceEntrySpec, IstioStatus> implements Namespaced {
}
