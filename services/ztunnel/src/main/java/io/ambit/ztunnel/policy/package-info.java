/**
 * L4 authorization, as Istio's ztunnel decides it: {@link io.ambit.ztunnel.policy.L4Authorizer}
 * takes a {@link io.ambit.ztunnel.policy.Connection} and the policies of its destination workload and
 * returns a {@link io.ambit.ztunnel.policy.Decision} naming the policy that decided.
 */
package io.ambit.ztunnel.policy;
