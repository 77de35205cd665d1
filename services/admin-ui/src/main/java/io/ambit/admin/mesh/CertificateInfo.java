package io.ambit.admin.mesh;

/**
 * One identity's certificate as a ztunnel holds it (its {@code /config_dump}): public parts only,
 * the key never leaves the ztunnel.
 *
 * @param state            {@code available}, or {@code pending} until the CA answered
 * @param remainingSeconds until {@code notAfter}, as the ztunnel counted when asked
 */
public record CertificateInfo(String node, String identity, String state, String serialNumber, String notBefore,
                              String notAfter, long remainingSeconds, String issuer) {
}
