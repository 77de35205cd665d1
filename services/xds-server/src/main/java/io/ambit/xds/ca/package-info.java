/**
 * Istio's one control-plane port: {@link io.ambit.xds.ca.CertificateForwarder} serves
 * {@code istio.v1.auth.IstioCertificateService} on the xds-server's ADS port and hands each
 * {@code CreateCertificate} to ca-service with the caller's own bearer token, so a stock ztunnel's
 * {@code CA_ADDRESS} and {@code XDS_ADDRESS} can be the same address (istiod's 15012). The CA
 * still decides everything (who the caller is, which identity, the node rule); this package only
 * carries the request and the answer.
 */
package io.ambit.xds.ca;
