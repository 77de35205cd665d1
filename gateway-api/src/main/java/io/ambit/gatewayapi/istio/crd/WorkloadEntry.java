package io.ambit.gatewayapi.istio.crd;

import io.ambit.gatewayapi.istio.WorkloadEntrySpec;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** {@code networking.istio.io/v1} WorkloadEntry: its CRD's schema is {@link WorkloadEntrySpec}'s. */
@Group("networking.istio.io")
@Version("v1")
@Kind("WorkloadEntry")
@Plural("workloadentries")
@ShortNames("we")
public class WorkloadEntry extends CustomResource<WorkloadEntrySpec, IstioStatus> implements Namespaced {
}
