package io.ambit.waypoint.telemetry;

import java.time.Instant;
import java.util.Optional;

import io.ambit.identity.SpiffeId;

/**
 * One finished request as telemetry sees it.
 *
 * @param flags         Envoy's response flags, {@code -} when none
 * @param upstreamHost  the endpoint ({@code podIP:port}) of the last attempt, or {@code -}
 * @param destinationService the service's host name (the listener's), or {@code unknown}
 * @param protocol      {@code HTTP/1.1} or {@code HTTP/2} (the access log's %PROTOCOL%)
 * @param grpc          a gRPC request ({@code content-type: application/grpc*}): request_protocol {@code grpc}
 * @param grpcStatus    the answer's {@code grpc-status}, or empty
 * @param sourceAddress the original client's address (the CONNECT's {@code forwarded for}), or null
 * @param destinationAddress the endpoint of the last attempt, or null
 */
public record RequestRecord(Instant start, String method, String path, String protocol, int status, String flags,
                            String details, long bytesReceived, long bytesSent, long durationMillis, String upstreamHost,
                            String cluster, String route, String authority, String requestId, String userAgent,
                            Optional<SpiffeId> source, String downstreamPeer, String destinationService, int attempts,
                            boolean grpc, String grpcStatus, java.net.InetAddress sourceAddress, java.net.InetAddress destinationAddress) {

    /** Without peer addresses: peer labels come from the tunnel's identity and the listener only. */
    public RequestRecord(Instant start, String method, String path, String protocol, int status, String flags,
            String details, long bytesReceived, long bytesSent, long durationMillis, String upstreamHost,
            String cluster, String route, String authority, String requestId, String userAgent,
            Optional<SpiffeId> source, String downstreamPeer, String destinationService, int attempts,
            boolean grpc, String grpcStatus) {
        this(start, method, path, protocol, status, flags, details, bytesReceived, bytesSent, durationMillis, upstreamHost, cluster, route,
                authority, requestId, userAgent, source, downstreamPeer, destinationService, attempts, grpc, grpcStatus, null, null);
    }
}
