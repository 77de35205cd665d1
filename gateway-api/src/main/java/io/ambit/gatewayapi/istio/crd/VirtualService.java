package io.ambit.gatewayapi.istio.crd;

import io.ambit.gatewayapi.istio.VirtualServiceSpec;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * {@code networking.istio.io/v1} VirtualService: its CRD's schema is {@link VirtualServiceSpec}'s, so
 * the API server knows only the fields Ambit applies (a cluster with Istio's own CRD keeps that one).
 */
@Group("networking.istio.io")
@Version("v1")
@Kind("VirtualService")
@Plural("virtualservices")
@ShortNames("vs")
public class VirtualService extends CustomResource<VirtualServiceSpec, IstioStatus> implements Namespaced {
}
