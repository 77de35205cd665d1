package io.ambit.ztunnel.capture;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;

import io.ambit.ztunnel.proxy.PodProxy;
import io.ambit.ztunnel.proxy.PodSockets;
import io.ambit.ztunnel.proxy.ProxyContext;
import io.ambit.ztunnel.state.Workload;

/**
 * Without capture (no root): a pod whose address is a loopback address ({@code 127.x.y.z}, which
 * Linux routes to the host without any configuration) is served on the host at that address:
 * HBONE on {@code <pod ip>:15008} and SOCKS5 on {@code <pod ip>:15080}, sockets leaving from the pod's
 * address. The application uses SOCKS5 instead of being redirected; everything else (mutual TLS
 * with the pod's identity, policy, telemetry) is the same path as in-pod. Pods at other addresses
 * cannot be served this way and wait.
 */
public final class HostAttacher implements PodAttacher {

    private final ProxyContext context;
    private final Clock clock;

    public HostAttacher(ProxyContext context, Clock clock) {
        this.context = context;
        this.clock = clock;
    }

    @Override
    public Attachment attach(Workload workload) throws NotYet {
        InetAddress ip = workload.addresses().getFirst();
        if (!ip.isLoopbackAddress()) {
            throw new NotYet(ip.getHostAddress() + " is not a loopback address, and without capture only those are served");
        }
        PodProxy proxy;
        try {
            proxy = PodProxy.start(context, workload, PodSockets.host(context.transport(), ip), ip, ip);
        } catch (RuntimeException e) {
            throw new NotYet("cannot listen on " + ip.getHostAddress() + ": " + e.getMessage());
        }
        CapturedPod pod = new CapturedPod(workload, Path.of("/"), "none (SOCKS5)", clock.instant(), proxy);
        return Attachment.of(pod, proxy::close, proxy::close);
    }
}
