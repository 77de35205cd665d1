/**
 * Translation of Kubernetes-shaped objects into Istio's workload API, following Istio's ambient
 * semantics. Pure functions over an immutable {@link io.ambit.xds.translate.MeshInputs} snapshot,
 * so that the store (Kubernetes or local) and the serving side never meet. Starting points:
 * {@link io.ambit.xds.translate.WorkloadTranslator#translateAll}, {@link io.ambit.xds.translate.ServiceTranslator#translateAll}
 * and {@link io.ambit.xds.translate.WaypointTranslator#waypoints}, each returning resources plus
 * {@link io.ambit.xds.translate.Finding}s; waypoint binding rules are in {@code WaypointBindings}.
 */
package io.ambit.xds.translate;
