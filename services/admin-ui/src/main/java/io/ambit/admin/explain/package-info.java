/**
 * "Can A reach B, and which policy decides": {@link io.ambit.admin.explain.Explainer} walks the path
 * (direct or via a waypoint), decides each L4 hop with the ztunnels' own evaluator
 * ({@code io.ambit.authz.L4Policy}) and the waypoint hop with the waypoint's own RBAC engine
 * ({@code io.ambit.authz.rbac.RbacEngine}) for one {@link io.ambit.admin.explain.HttpProbe} over the
 * listener {@link io.ambit.admin.explain.WaypointListeners} reads (on a TCP port, its network RBAC only,
 * once per connection), then routes the request with the
 * waypoint's own route matching ({@code libs/l7-route}, {@link io.ambit.admin.explain.RouteExplainer}),
 * returning an {@link io.ambit.admin.explain.Explanation}.
 */
package io.ambit.admin.explain;
