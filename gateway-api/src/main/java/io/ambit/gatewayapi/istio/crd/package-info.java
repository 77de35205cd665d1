/**
 * The Istio kinds Ambit reads, as fabric8 custom resources whose {@code spec} is the strict model
 * translation binds ({@code io.ambit.gatewayapi.istio}). fabric8's CRD generator turns them into
 * {@code k8s/base/crds} at build time, so the schema the API server enforces and the fields the
 * code reads are one definition. Start at {@link io.ambit.gatewayapi.istio.crd.AuthorizationPolicy}.
 */
package io.ambit.gatewayapi.istio.crd;
