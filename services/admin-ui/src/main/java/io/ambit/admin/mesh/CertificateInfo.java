package io.ambit.admin.mesh;

/**
 * One identity's certificate as a ztunnel holds it (its {@code /config_dump}, in Istio ztunnel's
 * shape, read by {@link ZtunnelCertificates}): public parts only, the key never leaves the ztunnel.
 *
 * @param state            {@code available}, or {@code pending} until the CA answered
 * @param serialNumber     the leaf's serial number, in decimal as ztunnel prints it
 * @param remainingSeconds until {@code notAfter}, counted when the dump was read
 */
public record CertificateInfo(String node, String identity, String state, String serialNumber, String notBefore,
                              String notAfter, long remainingSeconds, String issuer) {
}
