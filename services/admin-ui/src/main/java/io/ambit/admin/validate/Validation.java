package io.ambit.admin.validate;

/**
 * One finding, Kiali-style: the object it is about, how bad, a stable code and what to do.
 *
 * @param severity {@code error} (traffic will not flow as written) or {@code warning}
 * @param code     stable, for scripts: {@code unknown-namespace}, {@code unknown-service-account},
 *                 {@code missing-waypoint}, {@code unknown-backend}, {@code plaintext-under-strict}, {@code translation}
 */
public record Validation(String severity, String code, String kind, String namespace, String name, String message) {
}
