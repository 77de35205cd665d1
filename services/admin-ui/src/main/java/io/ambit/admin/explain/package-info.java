/**
 * "Can A reach B, and which policy decides": {@link io.ambit.admin.explain.Explainer} walks the path
 * (direct or via a waypoint) and decides each L4 hop with the ztunnels' own evaluator
 * ({@code io.ambit.authz.L4Policy}), returning an {@link io.ambit.admin.explain.Explanation}.
 */
package io.ambit.admin.explain;
