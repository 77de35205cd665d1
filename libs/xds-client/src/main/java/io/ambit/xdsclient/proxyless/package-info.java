/**
 * What a proxyless gRPC application (grpc-java with grpc-xds) needs to read its routes from
 * Ambit's xDS server: {@link io.ambit.xdsclient.proxyless.AmbitMtlsXdsCredentialsProvider}, the
 * bootstrap {@code channel_creds} type {@code ambit_mtls} (mutual TLS with the workload's SVID,
 * the server checked by SPIFFE ID), registered through {@code META-INF/services}. grpc-xds is a
 * provided dependency: this package is loaded only where the application has it.
 */
package io.ambit.xdsclient.proxyless;
