/**
 * The REST admin API under {@code /api/v1}: {@link io.ambit.admin.api.AdminApiController} (reads for
 * viewers, writes for admins, forwarded to the store with the caller's token), its front door for
 * parameters ({@code Params}) and every error as an RFC 9457 problem ({@code ApiErrors}).
 */
package io.ambit.admin.api;
