package io.ambit.ztunnel.telemetry;

import java.util.List;
import java.util.Optional;

import io.ambit.proto.workload.Workload;
import io.micrometer.core.instrument.Tag;

/**
 * The labels of Istio's TCP metrics, as ztunnel reports them: {@code reporter}, the source and
 * destination workload, canonical service and revision, namespace, principal, app and version,
 * the destination service (hostname, name and namespace from the Service resource),
 * {@code request_protocol="tcp"}, {@code response_flags} ("-" or e.g. "DENY", "CONNECT",
 * "TLS_FAILURE"), {@code connection_security_policy} ("mutual_tls" or "unknown") and the locality
 * labels {@code source_region}, {@code source_zone}, {@code destination_region},
 * {@code destination_zone}: exactly the label set of istio/ztunnel's {@code CommonTrafficLabels}
 * ({@code src/proxy/metrics.rs}). An unknown value is "unknown", as in Istio, so dashboards written
 * for Istio keep working. ztunnel leaves the locality labels out only when it knows neither end,
 * which never happens for a connection it records; here they are always present, so every series
 * of a metric has one label set (as the Prometheus format requires).
 */
public record ConnectionLabels(List<Tag> tags) {

    public static final String UNKNOWN = "unknown";

    public enum Reporter { SOURCE, DESTINATION }

    public ConnectionLabels {
        tags = List.copyOf(tags);
    }

    /**
     * @param destinationService the service the client addressed (outbound) or the one the destination serves the port for (inbound)
     * @param mutualTls          whether the connection was carried over mutual TLS (HBONE)
     * @param responseFlags      "-" for a normal connection, else Istio's flag (DENY, CONNECT …)
     */
    public static ConnectionLabels of(Reporter reporter, Peer source, Peer destination,
            Optional<ServiceDescription> destinationService, boolean mutualTls, String responseFlags) {
        List<Tag> tags = new java.util.ArrayList<>();
        tags.add(Tag.of("reporter", reporter(reporter)));
        add(tags, "source", source);
        add(tags, "destination", destination);
        tags.add(Tag.of("destination_service", known(destinationService.map(ServiceDescription::hostname))));
        tags.add(Tag.of("destination_service_name", known(destinationService.map(ServiceDescription::name))));
        tags.add(Tag.of("destination_service_namespace", known(destinationService.map(ServiceDescription::namespace))));
        tags.add(Tag.of("request_protocol", "tcp"));
        tags.add(Tag.of("response_flags", responseFlags));
        tags.add(Tag.of("connection_security_policy", mutualTls ? "mutual_tls" : UNKNOWN));
        locality(tags, "source", source);
        locality(tags, "destination", destination);
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

    /** The {@code reporter} label's value. */
    static String reporter(Reporter reporter) {
        return reporter == Reporter.SOURCE ? "source" : "destination";
    }

    private static void locality(List<Tag> tags, String side, Peer peer) {
        Optional<io.ambit.proto.workload.Locality> locality = peer.workload().filter(Workload::hasLocality).map(Workload::getLocality);
        tags.add(Tag.of(side + "_region", known(locality.map(io.ambit.proto.workload.Locality::getRegion))));
        tags.add(Tag.of(side + "_zone", known(locality.map(io.ambit.proto.workload.Locality::getZone))));
    }

    private static String known(Optional<String> value) {
        return value.filter(v -> !v.isEmpty()).orElse(UNKNOWN);
    }

    public String get(String key) {
        return tags.stream().filter(t -> t.getKey().equals(key)).map(Tag::getValue).findFirst().orElse(null);
    }
}
