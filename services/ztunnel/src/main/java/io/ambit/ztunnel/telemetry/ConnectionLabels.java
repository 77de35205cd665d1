package io.ambit.ztunnel.telemetry;

import java.util.List;
import java.util.Optional;

import io.ambit.proto.workload.Workload;
import io.micrometer.core.instrument.Tag;

/**
 * The labels of Istio's TCP metrics, as ztunnel reports them: {@code reporter}, the source and
 * destination workload, canonical service and revision, namespace, principal, app and version,
 * the destination service, {@code request_protocol="tcp"}, {@code response_flags} ("-" or e.g.
 * "DENY", "CONNECT") and {@code connection_security_policy} ("mutual_tls" or "unknown"). An
 * unknown value is "unknown", as in Istio, so dashboards written for Istio keep working.
 */
public record ConnectionLabels(List<Tag> tags) {

    public static final String UNKNOWN = "unknown";

    public enum Reporter { SOURCE, DESTINATION }

    public ConnectionLabels {
        tags = List.copyOf(tags);
    }

    /**
     * @param destinationService the service hostname the client addressed ({@code echo.demo.svc.cluster.local}), if any
     * @param mutualTls          whether the connection was carried over mutual TLS (HBONE)
     * @param responseFlags      "-" for a normal connection, else Istio's flag (DENY, CONNECT …)
     */
    public static ConnectionLabels of(Reporter reporter, Peer source, Peer destination, Optional<String> destinationService,
            boolean mutualTls, String responseFlags) {
        List<Tag> tags = new java.util.ArrayList<>();
        tags.add(Tag.of("reporter", reporter == Reporter.SOURCE ? "source" : "destination"));
        add(tags, "source", source);
        add(tags, "destination", destination);
        String service = destinationService.orElse(UNKNOWN);
        tags.add(Tag.of("destination_service", service));
        tags.add(Tag.of("destination_service_name", destinationService.map(s -> s.split("\\.", 2)[0]).orElse(UNKNOWN)));
        tags.add(Tag.of("destination_service_namespace", destinationService.filter(s -> s.split("\\.").length > 1)
                .map(s -> s.split("\\.")[1]).orElse(UNKNOWN)));
        tags.add(Tag.of("request_protocol", "tcp"));
        tags.add(Tag.of("response_flags", responseFlags));
        tags.add(Tag.of("connection_security_policy", mutualTls ? "mutual_tls" : UNKNOWN));
        return new ConnectionLabels(tags);
    }

    private static void add(List<Tag> tags, String side, Peer peer) {
        Optional<Workload> workload = peer.workload();
        tags.add(Tag.of(side + "_workload", workload.map(Workload::getWorkloadName).filter(s -> !s.isEmpty()).orElse(UNKNOWN)));
        tags.add(Tag.of(side + "_workload_namespace", workload.map(Workload::getNamespace).filter(s -> !s.isEmpty()).orElse(UNKNOWN)));
        tags.add(Tag.of(side + "_canonical_service", workload.map(Workload::getCanonicalName).filter(s -> !s.isEmpty()).orElse(UNKNOWN)));
        tags.add(Tag.of(side + "_canonical_revision", workload.map(Workload::getCanonicalRevision).filter(s -> !s.isEmpty()).orElse(UNKNOWN)));
        tags.add(Tag.of(side + "_app", workload.map(Workload::getCanonicalName).filter(s -> !s.isEmpty()).orElse(UNKNOWN)));
        tags.add(Tag.of(side + "_version", workload.map(Workload::getCanonicalRevision).filter(s -> !s.isEmpty()).orElse(UNKNOWN)));
        tags.add(Tag.of(side + "_cluster", workload.map(Workload::getClusterId).filter(s -> !s.isEmpty()).orElse(UNKNOWN)));
        tags.add(Tag.of(side + "_principal", peer.principal().orElse(UNKNOWN)));
    }

    public String get(String key) {
        return tags.stream().filter(t -> t.getKey().equals(key)).map(Tag::getValue).findFirst().orElse(null);
    }
}
