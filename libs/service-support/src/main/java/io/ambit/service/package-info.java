/**
 * What every Ambit Spring Boot service shares, so that each service only adds its own logic:
 * {@link io.ambit.service.MeshServiceDefaults} (profiles, actuator, Prometheus, graceful shutdown),
 * {@link io.ambit.service.LocalModeBindings} (local mode listens on loopback only),
 * {@link io.ambit.service.IstioReadinessAutoConfiguration} (Istio's {@code /healthz/ready}),
 * {@link io.ambit.service.MeshProperties} (the settings every service shares: the cluster id) and,
 * in {@code io.ambit.service.security}, who may call the service over HTTP.
 */
package io.ambit.service;
