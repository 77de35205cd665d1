/**
 * Mutual TLS for the mesh, on BoringSSL (netty-tcnative). Starting points:
 * {@link io.ambit.tls.MeshTls} builds Netty {@code SslContext}s (TLS 1.3 only, AES-GCM, ALPN h2,
 * client certificate required, peer checked against a {@link io.ambit.tls.PeerPolicy}; clients keep no session,
 * so every connection is a full handshake, as Istio's ztunnel);
 * {@link io.ambit.tls.ReloadableSslContext} swaps key material without restarting a listener;
 * {@link io.ambit.tls.PeerIdentities} reads the verified SPIFFE ID off a session.
 */
package io.ambit.tls;
