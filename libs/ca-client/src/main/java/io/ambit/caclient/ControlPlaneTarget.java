package io.ambit.caclient;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a control-plane service (the CA, the xDS server) is reached. Either a fixed {@code host:port}
 * (local mode: an address on loopback), or the endpoints a {@link Lookup} names (Kubernetes mode: Spring
 * Cloud's {@code DiscoveryClient}) with {@code host:port}, the Service's DNS name, as the fallback when
 * the lookup fails or knows no endpoint.
 *
 * <p>A discovered target is looked up again at every gRPC name resolution: when the channel is built,
 * and each time its connection fails. So a restarted CA or xDS server at a new pod address is found
 * without restarting the caller, and the lookup is never pinned to the endpoints of its first answer.
 * The TLS check does not depend on which address answered: the server's SPIFFE ID is checked.
 */
public final class ControlPlaneTarget {

    private static final Logger log = LoggerFactory.getLogger(ControlPlaneTarget.class);
    /** The scheme of the channel target a discovered service is built with; private to this class. */
    static final String SCHEME = "ambit-discovery";

    /** The endpoints of the service now; empty or an exception when it knows none (then the fallback is used). */
    @FunctionalInterface
    public interface Lookup {
        List<InetSocketAddress> endpoints();
    }

    private final String fallback;
    private final Lookup lookup;
    private final String description;

    private ControlPlaneTarget(String fallback, Lookup lookup, String description) {
        // parsed when used, as before: ztunnel with a local config file never uses its xds-address
        this.fallback = Objects.requireNonNull(fallback);
        this.lookup = lookup;
        this.description = description;
    }

    /** Always {@code hostPort} (resolved by gRPC's channel as any address is). */
    public static ControlPlaneTarget fixed(String hostPort) {
        return new ControlPlaneTarget(hostPort, null, hostPort);
    }

    /**
     * @param service  what the lookup finds (for logs: {@code ca-service.istio-system, port grpc-ca})
     * @param fallback {@code host:port} used when the lookup fails or has no endpoint: the Service's DNS name
     */
    public static ControlPlaneTarget discovered(String service, Lookup lookup, String fallback) {
        return new ControlPlaneTarget(fallback, Objects.requireNonNull(lookup), "discovery of " + service + ", else " + fallback);
    }

    /** Discovered when there is a lookup (Kubernetes mode, a Service DNS name), else fixed. */
    public static ControlPlaneTarget of(String address, String portName,
            java.util.Optional<? extends java.util.function.Supplier<List<InetSocketAddress>>> lookup) {
        return lookup.<ControlPlaneTarget>map(l -> discovered(address + " port " + portName, l::get, address))
                .orElseGet(() -> fixed(address));
    }

    public boolean isDiscovered() {
        return lookup != null;
    }

    /** The {@code host:port} used without discovery, or when discovery knows no endpoint. */
    public String fallback() {
        return fallback;
    }

    /** The addresses a connection would try now: the lookup's endpoints, else the fallback's addresses. */
    public List<InetSocketAddress> resolveNow() throws UnknownHostException {
        if (lookup != null) {
            try {
                List<InetSocketAddress> found = lookup.endpoints();
                if (found != null && !found.isEmpty()) {
                    return List.copyOf(found);
                }
            } catch (RuntimeException e) {
                log.warn("control plane {}: discovery failed ({}); using {}", description, e.toString(), fallback);
            }
        }
        InetSocketAddress address = HostPort.parse(fallback);
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetAddress ip : InetAddress.getAllByName(address.getHostString())) {
            out.add(new InetSocketAddress(ip, address.getPort()));
        }
        return out;
    }

    /**
     * A channel builder to this target: {@code forAddress} when fixed (as before discovery existed);
     * when discovered, a target whose name resolution is {@link #resolveNow()}, with the fallback's host
     * as the channel's authority.
     */
    @SuppressWarnings("deprecation") // nameResolverFactory: the per-channel way to use a resolver not in the global registry
    public NettyChannelBuilder channelBuilder() {
        if (lookup == null) {
            return NettyChannelBuilder.forAddress(HostPort.parse(fallback));
        }
        return NettyChannelBuilder.forTarget(SCHEME + ":///" + fallback).nameResolverFactory(new Provider());
    }

    @Override
    public String toString() {
        return description;
    }

    /** Resolves this target's one name; any other target is not its business. */
    private final class Provider extends NameResolverProvider {
        @Override
        public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
            return SCHEME.equals(targetUri.getScheme()) ? new Resolver(args.getOffloadExecutor()) : null;
        }

        @Override
        public String getDefaultScheme() {
            return SCHEME;
        }

        @Override
        protected boolean isAvailable() {
            return true;
        }

        @Override
        protected int priority() {
            return 5;
        }
    }

    /** gRPC asks at start and after each failed connection; the lookup runs off gRPC's own threads. */
    private final class Resolver extends NameResolver {
        private final Executor executor;
        private final AtomicReference<List<InetSocketAddress>> last = new AtomicReference<>();
        private volatile Listener2 listener;
        private volatile boolean shutdown;

        Resolver(Executor executor) {
            this.executor = executor != null ? executor : Runnable::run;
        }

        @Override
        public String getServiceAuthority() {
            return HostPort.parse(fallback).getHostString();
        }

        @Override
        public void start(Listener2 listener) {
            this.listener = listener;
            resolve();
        }

        @Override
        public void refresh() {
            resolve();
        }

        private void resolve() {
            executor.execute(() -> {
                if (shutdown) {
                    return;
                }
                try {
                    List<InetSocketAddress> addresses = resolveNow();
                    if (!addresses.equals(last.getAndSet(addresses))) {
                        log.info("control plane {}: {}", description, addresses);
                    }
                    listener.onResult(ResolutionResult.newBuilder()
                            .setAddresses(addresses.stream().map(EquivalentAddressGroup::new).toList()).build());
                } catch (UnknownHostException | RuntimeException e) {
                    listener.onError(Status.UNAVAILABLE.withDescription("control plane " + description
                            + ": no endpoint discovered and " + fallback + " does not resolve").withCause(e));
                }
            });
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }
    }
}
