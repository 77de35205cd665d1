/**
 * admin-ui's view of its upstreams: {@link io.ambit.admin.upstream.AdminProperties} says where they are,
 * {@link io.ambit.admin.upstream.Upstream} asks them (reads with the viewer credential, writes with the
 * caller's token), {@link io.ambit.admin.upstream.UpstreamException} says what went wrong.
 */
package io.ambit.admin.upstream;
