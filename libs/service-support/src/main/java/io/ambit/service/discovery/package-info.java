/**
 * How a service finds the control plane in Kubernetes mode: {@link io.ambit.service.discovery.ControlPlaneDiscovery}
 * looks a Service DNS name's endpoints up through Spring Cloud's {@code DiscoveryClient}, the DNS name
 * staying the fallback; {@link io.ambit.service.discovery.ControlPlaneDiscoveryAutoConfiguration} wires it
 * (local mode: no lookup).
 */
package io.ambit.service.discovery;
