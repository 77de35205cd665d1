package io.ambit.xdsclient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.github.resilience4j.core.IntervalFunction;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A delta ADS client, as Istio's ztunnel runs one: a wildcard subscription to each type, every
 * response handed to the {@link Handler}, which applies what is valid and names what it refuses;
 * the client then ACKs, or NACKs with the reasons. Versions of what was applied are remembered, so
 * after a broken stream it reconnects (exponential backoff with jitter) announcing them as
 * {@code initial_resource_versions} and receives only the difference. The handler's state is the
 * last good configuration: nothing is cleared while the server is away.
 */
public final class DeltaAdsClient implements AutoCloseable {

    /** Applies one response; called serially, never concurrently. */
    @FunctionalInterface
    public interface Handler {
        /** @return the resources refused (empty when everything was applied) */
        List<XdsUpdate.Rejected> apply(XdsUpdate update);
    }

    private static final Logger log = LoggerFactory.getLogger(DeltaAdsClient.class);

    private final ManagedChannel channel;
    private final Node node;
    private final List<String> typeUrls;
    private final Handler handler;
    private final Consumer<Boolean> connectionListener;
    private final ScheduledExecutorService reconnects;
    /** Per type: resource name → version applied. Guarded by {@code this}. */
    private final Map<String, Map<String, String>> applied = new HashMap<>();
    private ClientCallStreamObserver<DeltaDiscoveryRequest> stream;
    /** Reconnect delays: exponential, each drawn within ±50 %, so that nodes cut off together do not reconnect together. */
    private final IntervalFunction reconnectDelay;
    /** Broken streams since the last response; the next reconnect waits {@code reconnectDelay(brokenInARow)}. */
    private int brokenInARow;
    private boolean closed;

    private DeltaAdsClient(Builder builder) {
        this.channel = builder.channel;
        this.node = builder.node;
        this.typeUrls = List.copyOf(builder.typeUrls);
        this.handler = builder.handler;
        this.connectionListener = builder.connectionListener;
        this.reconnectDelay = IntervalFunction.ofExponentialRandomBackoff(builder.initialBackoff, 2.0, 0.5,
                builder.maxBackoff);
        this.reconnects = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "xds-reconnect");
            thread.setDaemon(true);
            return thread;
        });
        typeUrls.forEach(type -> applied.put(type, new HashMap<>(builder.resumed.getOrDefault(type, Map.of()))));
    }

    public static Builder builder(ManagedChannel channel, Node node, Handler handler) {
        return new Builder(channel, node, handler);
    }

    /** Opens the stream; from here on the client keeps itself connected until {@link #close()}. */
    public DeltaAdsClient start() {
        connect();
        return this;
    }

    /** The versions applied for a type: what a reconnect announces. */
    public synchronized Map<String, String> appliedVersions(String typeUrl) {
        return Map.copyOf(applied.getOrDefault(typeUrl, Map.of()));
    }

    private synchronized void connect() {
        if (closed) {
            return;
        }
        ClientResponseObserver<DeltaDiscoveryRequest, DeltaDiscoveryResponse> observer = new ClientResponseObserver<>() {
            private ClientCallStreamObserver<DeltaDiscoveryRequest> requests;

            @Override
            public void beforeStart(ClientCallStreamObserver<DeltaDiscoveryRequest> requestStream) {
                this.requests = requestStream;
            }

            @Override
            public void onNext(DeltaDiscoveryResponse response) {
                onResponse(requests, response);
            }

            @Override
            public void onError(Throwable error) {
                onBroken(requests, Status.fromThrowable(error));
            }

            @Override
            public void onCompleted() {
                onBroken(requests, Status.UNAVAILABLE.withDescription("server closed the stream"));
            }
        };
        var requests = (ClientCallStreamObserver<DeltaDiscoveryRequest>)
                AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(observer);
        stream = requests;
        boolean first = true;
        for (String type : typeUrls) {
            DeltaDiscoveryRequest.Builder subscribe = DeltaDiscoveryRequest.newBuilder()
                    .setTypeUrl(type)
                    .putAllInitialResourceVersions(applied.get(type));
            if (first) {
                subscribe.setNode(node); // once per stream, as Envoy and ztunnel do
                first = false;
            }
            requests.onNext(subscribe.build());
        }
        log.debug("delta ADS stream opened, announcing {}", typeUrls.stream()
                .collect(Collectors.toMap(XdsTypes::shortName, t -> applied.get(t).size())));
    }

    private void onResponse(ClientCallStreamObserver<DeltaDiscoveryRequest> requests, DeltaDiscoveryResponse response) {
        List<XdsUpdate.Rejected> rejected;
        synchronized (this) {
            if (requests != stream) {
                return; // a late response on a stream we already gave up
            }
            brokenInARow = 0;
            Map<String, String> versions = applied.get(response.getTypeUrl());
            if (versions == null) {
                requests.onNext(nack(response, "type " + response.getTypeUrl() + " was not subscribed to"));
                return;
            }
            List<XdsUpdate.Resource> updated = new ArrayList<>();
            for (Resource resource : response.getResourcesList()) {
                updated.add(new XdsUpdate.Resource(resource.getName(), resource.getVersion(), resource.getResource()));
            }
            XdsUpdate update = new XdsUpdate(response.getTypeUrl(), updated, response.getRemovedResourcesList());
            try {
                rejected = handler.apply(update);
            } catch (RuntimeException e) {
                log.warn("handler failed on a {} response; NACKing it", XdsTypes.shortName(response.getTypeUrl()), e);
                requests.onNext(nack(response, "client could not apply the response: " + e));
                return;
            }
            Map<String, String> refused = new LinkedHashMap<>();
            rejected.forEach(r -> refused.put(r.name(), r.reason()));
            for (XdsUpdate.Resource resource : updated) {
                if (!refused.containsKey(resource.name())) {
                    versions.put(resource.name(), resource.version());
                }
            }
            response.getRemovedResourcesList().forEach(versions::remove);
            if (refused.isEmpty()) {
                requests.onNext(DeltaDiscoveryRequest.newBuilder()
                        .setTypeUrl(response.getTypeUrl()).setResponseNonce(response.getNonce()).build());
            } else {
                String reason = refused.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                        .collect(Collectors.joining("; "));
                log.warn("NACK {} (nonce {}): {}", XdsTypes.shortName(response.getTypeUrl()), response.getNonce(), reason);
                requests.onNext(nack(response, reason));
            }
        }
        if (connectionListener != null) {
            connectionListener.accept(true);
        }
    }

    private static DeltaDiscoveryRequest nack(DeltaDiscoveryResponse response, String reason) {
        return DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(response.getTypeUrl())
                .setResponseNonce(response.getNonce())
                .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(reason))
                .build();
    }

    private void onBroken(ClientCallStreamObserver<DeltaDiscoveryRequest> requests, Status status) {
        Duration wait;
        synchronized (this) {
            if (requests != stream || closed) {
                return;
            }
            stream = null;
            brokenInARow++;
            wait = Duration.ofMillis(reconnectDelay.apply(brokenInARow));
        }
        log.warn("delta ADS stream broken ({}: {}); keeping the last good configuration, reconnecting in {}",
                status.getCode(), status.getDescription(), wait);
        if (connectionListener != null) {
            connectionListener.accept(false);
        }
        try {
            reconnects.schedule(this::connect, wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public void close() {
        ClientCallStreamObserver<DeltaDiscoveryRequest> open;
        synchronized (this) {
            closed = true;
            open = stream;
            stream = null;
        }
        reconnects.shutdownNow();
        if (open != null) {
            open.cancel("client closed", null);
        }
    }

    /** Settings with ztunnel's defaults. */
    public static final class Builder {
        private final ManagedChannel channel;
        private final Node node;
        private final Handler handler;
        private List<String> typeUrls = List.of(XdsTypes.ADDRESS, XdsTypes.AUTHORIZATION);
        private Duration initialBackoff = Duration.ofMillis(500);
        private Duration maxBackoff = Duration.ofSeconds(15);
        private Consumer<Boolean> connectionListener;
        private Map<String, Map<String, String>> resumed = Map.of();

        private Builder(ManagedChannel channel, Node node, Handler handler) {
            this.channel = channel;
            this.node = node;
            this.handler = handler;
        }

        public Builder types(List<String> typeUrls) {
            this.typeUrls = typeUrls;
            return this;
        }

        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /** Told {@code true} after each applied response, {@code false} when the stream breaks. */
        public Builder onConnection(Consumer<Boolean> listener) {
            this.connectionListener = listener;
            return this;
        }

        /**
         * Starts from the versions another client had applied (same handler state), so its first
         * requests announce them and only the difference comes back: a new connection, e.g. with
         * a renewed certificate, costs no full resync.
         */
        public Builder resume(DeltaAdsClient previous) {
            Map<String, Map<String, String>> versions = new HashMap<>();
            for (String type : previous.typeUrls) {
                versions.put(type, previous.appliedVersions(type));
            }
            this.resumed = versions;
            return this;
        }

        public DeltaAdsClient build() {
            return new DeltaAdsClient(this);
        }
    }
}
