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
        return new HboneHeaders(Optional.of(forValue(source)), Optional.empty(), Optional.empty());
    }

    /**
     * {@code forwarded: for="ip:port";host=<service>}: ztunnel adds the destination service's
     * host name when the connection was addressed to a service ({@code build_forwarded} in
     * ztunnel's {@code src/proxy/outbound.rs}).
     */
    public static HboneHeaders forwardedFor(InetSocketAddress source, String serviceHostname) {
        return new HboneHeaders(Optional.of(forValue(source) + ";host=" + serviceHostname),
                Optional.empty(), Optional.empty());
    }

    private static String forValue(InetSocketAddress source) {
        return "for=\"" + NetUtil.toSocketAddressString(source) + "\"";
    }

    public HboneHeaders withBaggage(String value) {
        return new HboneHeaders(forwarded, Optional.of(value), traceparent);
    }

    public HboneHeaders withTraceparent(String value) {
        return new HboneHeaders(forwarded, baggage, Optional.of(value));
    }
}
