/**
 * The mesh lab (DESIGN §5): {@link io.ambit.lab.LabSpec} (what to build), {@link io.ambit.lab.LabNetwork} (its network, built by the topology kit in libs/netns)
 * (network namespaces, bridges, the router), {@link io.ambit.lab.Lab} (the running processes, in
 * start order), {@link io.ambit.lab.BindPlan} (every host listener, checked before anything starts),
 * {@link io.ambit.lab.StartupCache} (the services' JDK ahead-of-time caches) and
 * {@link io.ambit.lab.LabMain} ({@code lab.jar up | cache | down}, what {@code ./mesh up} runs).
 */
package io.ambit.lab;
