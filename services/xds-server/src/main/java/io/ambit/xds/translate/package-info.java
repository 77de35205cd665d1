/**
 * Translation of Kubernetes-shaped objects into Istio's workload API, following Istio's ambient
 * semantics. Pure functions over an immutable {@link io.ambit.xds.translate.MeshInputs} snapshot,
 * so that the store (Kubernetes or local) and the serving side never meet. Starting points:
 * {@link io.ambit.xds.translate.WorkloadTranslator} and {@link io.ambit.xds.translate.ServiceTranslator}.
 */
package io.ambit.xds.translate;
