package io.ambit.ztunnel.capture;

import java.net.InetAddress;
import java.time.Clock;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ambit.netns.NetNamespace;
import io.ambit.netns.NetnsException;
import io.ambit.netns.RedirectRules;
import io.ambit.ztunnel.proxy.PodProxy;
import io.ambit.ztunnel.proxy.PodSockets;
import io.ambit.ztunnel.proxy.ProxyContext;
import io.ambit.ztunnel.state.Workload;

/**
 * In-pod capture: the pod's namespace found by its IP, its listeners opened inside it (all
 * addresses; SOCKS5 on its loopback), then the redirect rules installed, so traffic is only
 * redirected once something listens. Released: rules removed first, then the listeners closed.
 */
public final class InPodAttacher implements PodAttacher {

    private static final Logger log = LoggerFactory.getLogger(InPodAttacher.class);

    private final ProxyContext context;
    private final RedirectRules rules;
    private final PodNamespaceFinder finder;
    private final Clock clock;

    public InPodAttacher(ProxyContext context, RedirectRules rules, PodNamespaceFinder finder, Clock clock) {
        this.context = context;
        this.rules = rules;
        this.finder = finder;
        this.clock = clock;
    }

    @Override
    public Attachment attach(Workload workload) throws NotYet {
        InetAddress ip = workload.addresses().getFirst();
        Optional<NetNamespace> found;
        try {
            found = finder.find(ip);
        } catch (NetnsException e) {
            throw new NotYet("looking for its namespace failed: " + e.getMessage());
        }
        if (found.isEmpty()) {
            throw new NotYet("no network namespace carries " + ip.getHostAddress() + " (yet)");
        }
        NetNamespace namespace = found.get();
        PodProxy proxy = null;
        try {
            proxy = PodProxy.start(context, workload, PodSockets.inPod(namespace), InetAddress.ofLiteral("0.0.0.0"),
                    InetAddress.ofLiteral("127.0.0.1"));
            rules.install(namespace);
        } catch (NetnsException | RuntimeException e) {
            if (proxy != null) {
                proxy.close();
            }
            close(namespace);
            throw new NotYet("capture in " + namespace.path() + " failed: " + e.getMessage());
        }
        CapturedPod pod = new CapturedPod(workload, namespace.path(), rules.name(), clock.instant(), proxy);
        Runnable stop = () -> {
            pod.proxy().close();
            close(namespace);
        };
        return Attachment.of(pod, () -> {
            try {
                rules.remove(namespace);
            } catch (NetnsException | RuntimeException e) {
                // The namespace may be gone with the pod: then so are its rules.
                log.debug("removing rules of {} failed: {}", workload.uid(), e.toString());
            }
            stop.run();
        }, stop);
    }

    private static void close(NetNamespace namespace) {
        try {
            namespace.close();
        } catch (Exception e) {
            log.debug("closing {} failed: {}", namespace, e.toString());
        }
    }
}
