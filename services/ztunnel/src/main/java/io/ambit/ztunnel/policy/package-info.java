/**
 * L4 authorization of this node's connections: {@link io.ambit.ztunnel.policy.L4Authorizer} takes a
 * {@link io.ambit.ztunnel.policy.Connection} and decides it with the policies of its destination
 * workload through the shared evaluator in {@code io.ambit.authz} (libs/authz).
 */
package io.ambit.ztunnel.policy;
