package io.ambit.admin.upstream;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import io.ambit.service.discovery.ControlPlaneDiscovery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the xds-server's HTTP API is, asked again for every request: in Kubernetes mode an endpoint of
 * the Service that {@code ambit.admin.xds-url} names (port {@code http}), found through Spring Cloud's
 * DiscoveryClient and taken in turn; the configured URL itself when discovery knows no endpoint or fails,
 * and always in local mode.
 */
public final class XdsServerLocator {

    private static final Logger log = LoggerFactory.getLogger(XdsServerLocator.class);
    /** The xds-server Service's port name for its HTTP API (k8s/base/xds-server). */
    static final String PORT_NAME = "http";

    private final URI configured;
    private final Optional<Supplier<List<InetSocketAddress>>> lookup;
    private final AtomicInteger next = new AtomicInteger();

    public XdsServerLocator(URI configured, ControlPlaneDiscovery discovery) {
        this.configured = configured;
        int port = configured.getPort() > 0 ? configured.getPort() : "https".equals(configured.getScheme()) ? 443 : 80;
        this.lookup = configured.getHost() == null ? Optional.empty() : discovery.lookup(configured.getHost() + ":" + port, PORT_NAME);
    }

    public static XdsServerLocator fixed(URI configured) {
        return new XdsServerLocator(configured, ControlPlaneDiscovery.none());
    }

    /** {@code path} (with its query) on the xds-server's HTTP API as found now. */
    public URI resolve(String path) {
        return base().resolve(path);
    }

    URI base() {
        if (lookup.isEmpty()) {
            return configured;
        }
        try {
            List<InetSocketAddress> endpoints = lookup.get().get();
            if (!endpoints.isEmpty()) {
                InetSocketAddress endpoint = endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
                return new URI(configured.getScheme(), null, endpoint.getHostString(), endpoint.getPort(), configured.getPath(),
                        null, null);
            }
        } catch (RuntimeException | URISyntaxException e) {
            log.warn("xds-server discovery failed ({}); using {}", e.toString(), configured);
        }
        return configured;
    }
}
