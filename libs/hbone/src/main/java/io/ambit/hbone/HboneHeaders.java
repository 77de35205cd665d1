package io.ambit.hbone;

import java.net.InetSocketAddress;
import java.util.Optional;

import io.netty.util.NetUtil;

/**
 * The headers an HBONE client sends with its CONNECT, as Istio's ztunnel sends them:
 * {@code forwarded: for="<src ip:port>"} (RFC 7239; IPv6 in brackets), and the caller's
 * {@code baggage} and {@code traceparent} when it has them.
 */
public record HboneHeaders(Optional<String> forwarded, Optional<String> baggage, Optional<String> traceparent) {

    public static final String FORWARDED = "forwarded";
    public static final String BAGGAGE = "baggage";
    public static final String TRACEPARENT = "traceparent";

    public static HboneHeaders none() {
        return new HboneHeaders(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** {@code forwarded: for="ip:port"} for the original source of the proxied connection. */
    public static HboneHeaders forwardedFor(InetSocketAddress source) {
        return new HboneHeaders(Optional.of("for=\"" + NetUtil.toSocketAddressString(source) + "\""),
                Optional.empty(), Optional.empty());
    }

    public HboneHeaders withBaggage(String value) {
        return new HboneHeaders(forwarded, Optional.of(value), traceparent);
    }

    public HboneHeaders withTraceparent(String value) {
        return new HboneHeaders(forwarded, baggage, Optional.of(value));
    }
}
