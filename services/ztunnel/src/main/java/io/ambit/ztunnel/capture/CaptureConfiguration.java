package io.ambit.ztunnel.capture;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.ambit.netns.NetNamespace;
import io.ambit.netns.NoRedirectBackendException;
import io.ambit.netns.RedirectConfig;
import io.ambit.netns.RedirectRules;
import io.ambit.ztunnel.ZtunnelProperties;
import io.ambit.ztunnel.proxy.ProxyContext;
import io.ambit.ztunnel.proxy.ProxyProperties;

/**
 * Starts in-pod capture when this node can do it: capture enabled, and root (or CAP_NET_ADMIN
 * and CAP_SYS_ADMIN: entering namespaces and changing their rules) with nftables or iptables.
 * Otherwise ztunnel says once why, and serves the pods it can without capture: those at loopback
 * addresses, on the host, reached through SOCKS5 ({@link HostAttacher}).
 */
@Configuration(proxyBeanMethods = false)
public class CaptureConfiguration {

    private static final Logger log = LoggerFactory.getLogger(CaptureConfiguration.class);

    @Bean
    CaptureLifecycle captureLifecycle(ZtunnelProperties ztunnel, ProxyProperties settings, ProxyContext context) {
        return new CaptureLifecycle(() -> {
            Optional<String> unavailable = settings.capture() ? missingPrivilege()
                    : Optional.of("it is off (ambit.ztunnel.proxy.capture=false)");
            RedirectRules rules = null;
            if (unavailable.isEmpty()) {
                try {
                    rules = RedirectRules.detect(new RedirectConfig(settings.outboundPort(), settings.inboundPort(),
                            settings.hbonePort(), io.ambit.netns.SocketMark.ZTUNNEL, RedirectConfig.defaults().probeSources()));
                } catch (NoRedirectBackendException e) {
                    unavailable = Optional.of(e.getMessage());
                }
            }
            if (unavailable.isPresent()) {
                log.warn("in-pod capture is unavailable: {}; pods of {} at loopback addresses are served on the host, "
                        + "reached through SOCKS5 on <pod ip>:{}", unavailable.get(), ztunnel.node(), settings.socksPort());
                return Optional.of(new CaptureManager(ztunnel.node(), context.withSocks(),
                        new HostAttacher(context.withSocks(), Clock.systemUTC()), Duration.ofSeconds(1)));
            }
            log.info("in-pod capture on for node {} with {}", ztunnel.node(), rules.name());
            return Optional.of(CaptureManager.inPod(ztunnel.node(), context, rules, PodNamespaceFinder.byAddress(),
                    Duration.ofSeconds(1), Clock.systemUTC()));
        });
    }

    /** Why this process cannot enter pods' namespaces, if it cannot. */
    static Optional<String> missingPrivilege() {
        try (NetNamespace own = NetNamespace.current()) {
            return own.run(() -> Optional.<String>empty()); // setns into our own namespace needs CAP_SYS_ADMIN
        } catch (Exception e) {
            return Optional.of("cannot enter network namespaces (run ztunnel as root, or with CAP_SYS_ADMIN and "
                    + "CAP_NET_ADMIN): " + e.getMessage());
        }
    }

    /** The capture manager, made when the context starts and released when it stops. */
    public static final class CaptureLifecycle implements SmartLifecycle {
        private final java.util.function.Supplier<Optional<CaptureManager>> factory;
        private volatile Optional<CaptureManager> manager = Optional.empty();
        private volatile boolean running;

        CaptureLifecycle(java.util.function.Supplier<Optional<CaptureManager>> factory) {
            this.factory = factory;
        }

        @Override
        public void start() {
            manager = factory.get();
            manager.ifPresent(CaptureManager::start);
            running = true;
        }

        @Override
        public void stop() {
            manager.ifPresent(CaptureManager::close);
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        /** The capture manager when this node captures. */
        public Optional<CaptureManager> manager() {
            return manager;
        }
    }
}
