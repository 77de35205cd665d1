package io.ambit.l7.route;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;

import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

/**
 * A route's fault injection (its {@code typed_per_filter_config["envoy.filters.http.fault"]}), as
 * Envoy's fault filter applies it: first a fixed delay to a share of requests, then an abort of a
 * share of requests with an HTTP status or a gRPC status; each share drawn independently per
 * request. Header-controlled faults, rate limits, {@code max_active_faults} and the node/cluster
 * filters are refused (NACK) rather than ignored.
 *
 * @param grpcStatus the abort's gRPC status, or -1 for an HTTP abort
 */
public record FaultPolicy(Duration delay, int delayPerMillion, int httpStatus, int grpcStatus, int abortPerMillion) {

    public static final String FILTER = "envoy.filters.http.fault";

    public static FaultPolicy compile(Any config) {
        HTTPFault f;
        try {
            f = config.unpack(HTTPFault.class);
        } catch (InvalidProtocolBufferException e) {
            throw new RouteConfigException(FILTER + ": not an HTTPFault: " + e.getMessage());
        }
        if (f.hasMaxActiveFaults() || f.hasResponseRateLimit() || f.getHeadersCount() > 0 || !f.getUpstreamCluster().isEmpty()
                || f.getDownstreamNodesCount() > 0) {
            throw new RouteConfigException(FILTER + ": only delay and abort are supported (no headers, upstream_cluster, downstream_nodes,"
                    + " max_active_faults, response_rate_limit)");
        }
        Duration delay = Duration.ZERO;
        int delayShare = 0;
        if (f.hasDelay()) {
            if (!f.getDelay().hasFixedDelay()) {
                throw new RouteConfigException(FILTER + ": only a fixed_delay is supported");
            }
            delay = RetryPolicy.proto(f.getDelay().getFixedDelay());
            delayShare = perMillion(f.getDelay().getPercentage());
        }
        int http = 0;
        int grpc = -1;
        int abortShare = 0;
        if (f.hasAbort()) {
            switch (f.getAbort().getErrorTypeCase()) {
                case HTTP_STATUS -> {
                    http = f.getAbort().getHttpStatus();
                    if (http < 200 || http > 599) {
                        throw new RouteConfigException(FILTER + ": abort http_status " + http + " is not within 200..599");
                    }
                }
                case GRPC_STATUS -> grpc = f.getAbort().getGrpcStatus();
                default -> throw new RouteConfigException(FILTER + ": abort " + f.getAbort().getErrorTypeCase() + " is not supported");
            }
            abortShare = perMillion(f.getAbort().getPercentage());
        }
        return new FaultPolicy(delay, delayShare, http, grpc, abortShare);
    }

    private static int perMillion(FractionalPercent p) {
        long value = switch (p.getDenominator()) {
            case HUNDRED -> p.getNumerator() * 10_000L;
            case TEN_THOUSAND -> p.getNumerator() * 100L;
            case MILLION -> p.getNumerator();
            default -> throw new RouteConfigException(FILTER + ": percentage denominator " + p.getDenominator() + " is not supported");
        };
        return (int) Math.min(1_000_000, value);
    }

    /** Whether this request is delayed (a fresh draw). */
    public boolean delays() {
        return delayPerMillion > 0 && ThreadLocalRandom.current().nextInt(1_000_000) < delayPerMillion;
    }

    /** Whether this request is aborted (a fresh draw). */
    public boolean aborts() {
        return abortPerMillion > 0 && ThreadLocalRandom.current().nextInt(1_000_000) < abortPerMillion;
    }
}
