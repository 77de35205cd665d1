/**
 * HBONE, Istio's tunnel protocol: TCP carried in HTTP/2 CONNECT streams (RFC 9113 §8.5) over
 * mutual TLS 1.3 between workload identities.
 *
 * <p>Starting points: {@link io.ambit.hbone.HboneServer} (the inbound side, port 15008; drains
 * with GOAWAY),
 * {@link io.ambit.hbone.HbonePool} and {@link io.ambit.hbone.HboneClient} (the outbound side),
 * {@link io.ambit.hbone.Relay} (bytes between a TCP connection and a tunnel, with backpressure
 * and half-close; put an {@link io.ambit.hbone.InboundHold} first in the TCP pipeline),
 * {@link io.ambit.hbone.HboneSettings} (ztunnel's HTTP/2 settings),
 * {@link io.ambit.hbone.DataPathBuffers} (bytes per read and per TLS wrap on the data path). A reset ends one stream,
 * never the connection: see {@code Http2Setup} for the Netty limits this takes.
 */
package io.ambit.hbone;
