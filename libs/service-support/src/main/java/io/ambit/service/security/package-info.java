/**
 * Who may call an Ambit service over HTTP, defined once for every service:
 * {@link io.ambit.service.security.MeshSecurityAutoConfiguration} (the rule order, 401/403),
 * {@link io.ambit.service.security.MeshSecurityProperties} ({@code ambit.security.*}: admin, viewer
 * and service tokens from owner-only files or the environment), {@link io.ambit.service.security.AccessRule}
 * (a service's own lines of the table) and {@link io.ambit.service.security.SecretsOffCommandLine}
 * (no secret in a process's arguments).
 */
package io.ambit.service.security;
