package io.ambit.netns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * What the redirect rules need to know (DESIGN §4).
 *
 * @param outboundPort where the pod's outbound TCP is redirected (ztunnel's capture listener)
 * @param inboundPort where inbound plain-text TCP is redirected
 * @param hbonePort inbound port that is never redirected (HBONE arrives there already)
 * @param mark the mark on ztunnel's own sockets, whose traffic is never redirected
 * @param probeSources kubelet probe source addresses (Istio SNATs probes to 169.254.7.127 and
 *     fd16:9254:7127:1337:ffff:ffff:ffff:ffff), exempt so health checks reach the app directly
 */
public record RedirectConfig(int outboundPort, int inboundPort, int hbonePort, int mark, List<InetAddress> probeSources) {

    public static final InetAddress ISTIO_PROBE_V4 = literal("169.254.7.127");
    public static final InetAddress ISTIO_PROBE_V6 = literal("fd16:9254:7127:1337:ffff:ffff:ffff:ffff");

    public RedirectConfig {
        for (int port : new int[] {outboundPort, inboundPort, hbonePort}) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("not a port: " + port);
            }
        }
        probeSources = List.copyOf(probeSources);
    }

    /** 15001 / 15006 / 15008, mark 0x539, Istio's probe sources. */
    public static RedirectConfig defaults() {
        return new RedirectConfig(15001, 15006, 15008, SocketMark.ZTUNNEL, List.of(ISTIO_PROBE_V4, ISTIO_PROBE_V6));
    }

    public RedirectConfig withProbeSources(List<InetAddress> sources) {
        return new RedirectConfig(outboundPort, inboundPort, hbonePort, mark, sources);
    }

    List<InetAddress> probeSources(boolean ipv6) {
        return probeSources.stream().filter(a -> (a instanceof Inet4Address) != ipv6).toList();
    }

    String markHex() {
        return "0x" + Integer.toHexString(mark);
    }

    private static InetAddress literal(String address) {
        try {
            return InetAddress.ofLiteral(address);
        } catch (IllegalArgumentException e) {
            throw new AssertionError(e);
        }
    }
}
