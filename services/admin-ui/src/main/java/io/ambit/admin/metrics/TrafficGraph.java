package io.ambit.admin.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.ambit.admin.mesh.MeshSnapshot;
import io.ambit.admin.mesh.ServiceInfo;
import io.ambit.admin.mesh.WorkloadInfo;

/**
 * The traffic graph, Kiali's workload graph: a node per workload (pods of one owner together), per
 * service and per waypoint; a traffic edge per observed source → destination workload pair, from
 * the proxies' Istio metrics. TCP counts are what the destination's ztunnel reported
 * ({@code reporter="destination"}), or the source's when the destination reported nothing (a
 * destination outside the mesh); request counts what a waypoint reported ({@code reporter="waypoint"}),
 * on both hops of the path through it (source → waypoint → destination), so the waypoint shows in the path.
 * Rates are the difference between the last two scrape rounds over their interval.
 */
public final class TrafficGraph {

    public static final String UNKNOWN = "unknown";

    /**
     * @param kind      {@code workload}, {@code service}, {@code waypoint} or {@code unknown}
     * @param captured  for a workload: every pod enrolled in ambient
     * @param waypoint  for a service or workload: the waypoint its traffic goes through ({@code namespace/name})
     */
    public record Node(String id, String kind, String namespace, String name, boolean captured, String waypoint, int pods) {
    }

    /**
     * A traffic edge (or {@code serves}, a service to the workloads behind it: no traffic numbers).
     *
     * @param service          the destination service the traffic was addressed to, when known
     * @param requestRate      requests (HTTP) or connections (TCP) per second over the last interval
     * @param errorRate        share of those that failed (5xx, refused connections), 0..1
     * @param mtlsShare        share of the connections (or requests) that used mutual TLS, 0..1; null without traffic
     * @param bytes            bytes both ways since the proxies started
     * @param byteRate         bytes per second over the last interval
     */
    public record Edge(String id, String source, String target, String kind, String protocol, String service,
                       double requestRate, double errorRate, Double mtlsShare, long connections, long requests, long bytes,
                       double byteRate, String reporter) {
    }

    public record Graph(List<Node> nodes, List<Edge> edges, double intervalSeconds, List<String> scrapeErrors) {
        public Graph {
            nodes = List.copyOf(nodes);
            edges = List.copyOf(edges);
            scrapeErrors = List.copyOf(scrapeErrors);
        }
    }

    private TrafficGraph() {
    }

    public static Graph build(MeshSnapshot mesh, Scraper.Round current, Scraper.Round previous) {
        Map<String, Node> nodes = new LinkedHashMap<>();
        Map<String, List<WorkloadInfo>> byOwner = new TreeMap<>();
        mesh.workloads().forEach(w -> byOwner.computeIfAbsent(w.namespace() + "/" + w.workloadName(), k -> new ArrayList<>()).add(w));
        java.util.Set<String> waypoints = new java.util.TreeSet<>();
        mesh.services().forEach(s -> { if (s.waypoint() != null) { waypoints.add(s.waypoint()); } });
        mesh.workloads().forEach(w -> { if (w.waypoint() != null) { waypoints.add(w.waypoint()); } });
        mesh.objects("Gateway").stream().filter(g -> "istio-waypoint".equals(g.spec().path("gatewayClassName").asString("")))
                .forEach(g -> waypoints.add(g.key()));
        Map<String, String> waypointOf = waypointPods(mesh, waypoints);
        Map<String, Integer> waypointPodCount = new TreeMap<>();
        byOwner.forEach((key, pods) -> {
            WorkloadInfo first = pods.getFirst();
            String id = workloadId(first.namespace(), first.workloadName());
            if (waypointOf.containsKey(id)) {
                waypointPodCount.merge(waypointOf.get(id), pods.size(), Integer::sum);
                return; // a waypoint's pods: its node stands for them
            }
            nodes.put(id, new Node(id, "workload", first.namespace(), first.workloadName(),
                    pods.stream().allMatch(WorkloadInfo::captured), first.waypoint(), pods.size()));
        });
        for (String waypoint : waypoints) {
            String[] parts = waypoint.split("/", 2);
            if (parts.length == 2) {
                String id = workloadId(parts[0], parts[1]);
                nodes.put(id, new Node(id, "waypoint", parts[0], parts[1], true, null, waypointPodCount.getOrDefault(id, 0)));
            }
        }
        List<Edge> edges = new ArrayList<>();
        for (ServiceInfo s : mesh.services()) {
            if (waypoints.contains(s.namespace() + "/" + s.name())) {
                continue; // a waypoint's own service: its node stands for it
            }
            String id = "service:" + s.namespace() + "/" + s.name();
            nodes.put(id, new Node(id, "service", s.namespace(), s.name(), true, s.waypoint(), s.endpoints().size()));
            java.util.Set<String> owners = new java.util.TreeSet<>();
            s.endpoints().forEach(uid -> mesh.workloadByUid(uid).ifPresent(w -> owners.add(workloadId(w.namespace(), w.workloadName()))));
            owners.forEach(owner -> edges.add(new Edge(id + ">" + owner, id, owner, "serves", "", s.namespace() + "/" + s.name(),
                    0, 0, null, 0, 0, 0, 0, "")));
        }

        Map<String, Totals> now = totals(current, waypointOf);
        Map<String, Totals> before = previous == null ? Map.of() : totals(previous, waypointOf);
        double seconds = previous == null ? 0 : Math.max(0.001, Duration.between(previous.at(), current.at()).toMillis() / 1000.0);
        for (Map.Entry<String, Totals> entry : now.entrySet()) {
            Totals t = entry.getValue();
            if (t.opened + t.requests + t.failed + t.bytes == 0) {
                continue; // a series that counted nothing (a proxy registers its counters at zero) is no observed flow
            }
            Totals p = before.getOrDefault(entry.getKey(), Totals.ZERO);
            nodes.computeIfAbsent(t.source, id -> synthetic(id));
            nodes.computeIfAbsent(t.target, id -> synthetic(id));
            double dConnections = Math.max(0, t.opened - p.opened);
            double dRequests = Math.max(0, t.requests - p.requests);
            double dBytes = Math.max(0, t.bytes - p.bytes);
            // an edge with requests (a waypoint saw them) is an HTTP edge: its rate and errors are the requests';
            // a TCP edge's are the connections' (failed = refused or denied)
            boolean http = t.requests > 0;
            double rate = seconds > 0 ? (http ? dRequests : dConnections) / seconds : 0;
            double errorRate = http
                    ? share(Math.max(0, t.errors - p.errors), dRequests, t.errors, t.requests)
                    : share(Math.max(0, t.failed - p.failed), dConnections, t.failed, t.opened);
            double secured = http ? t.mtlsRequests / t.requests : t.opened > 0 ? t.mtlsOpened / t.opened : -1;
            edges.add(new Edge(entry.getKey(), t.source, t.target, "traffic", http ? "http" : "tcp", t.service,
                    rate, Math.min(1, errorRate), secured < 0 ? null : secured, (long) t.opened, (long) t.requests, (long) t.bytes,
                    seconds > 0 ? dBytes / seconds : 0, t.reporter));
        }
        List<String> errors = current.targets().stream().filter(tg -> !tg.up()).map(Scraper.Target::error).toList();
        return new Graph(List.copyOf(nodes.values()), edges, seconds, errors);
    }

    /** The share over the interval, or over the proxies' lifetime when the interval saw nothing. */
    private static double share(double part, double of, double totalPart, double totalOf) {
        return of > 0 ? part / of : totalOf > 0 ? totalPart / totalOf : 0;
    }

    /**
     * Each waypoint pod's owner node → its waypoint's node: pods labelled with their Gateway's name
     * (istiod's template; the lab's too), and the endpoints of the waypoint's own Service.
     */
    private static Map<String, String> waypointPods(MeshSnapshot mesh, java.util.Set<String> waypoints) {
        Map<String, String> out = new TreeMap<>();
        for (var pod : mesh.objects("Pod")) {
            String gateway = pod.label(WaypointTargets.GATEWAY_NAME_LABEL);
            if (gateway != null && waypoints.contains(pod.namespace() + "/" + gateway)) {
                mesh.workload(pod.namespace(), pod.name()).ifPresent(w ->
                        out.put(workloadId(w.namespace(), w.workloadName()), workloadId(pod.namespace(), gateway)));
            }
        }
        for (ServiceInfo s : mesh.services()) {
            if (waypoints.contains(s.namespace() + "/" + s.name())) {
                s.endpoints().forEach(uid -> mesh.workloadByUid(uid).ifPresent(w ->
                        out.putIfAbsent(workloadId(w.namespace(), w.workloadName()), workloadId(s.namespace(), s.name()))));
            }
        }
        return out;
    }

    private static Node synthetic(String id) {
        if (id.startsWith("service:")) {
            String[] parts = id.substring("service:".length()).split("/", 2);
            return new Node(id, "service", parts[0], parts.length > 1 ? parts[1] : UNKNOWN, false, null, 0);
        }
        if (id.startsWith("workload:")) {
            String[] parts = id.substring("workload:".length()).split("/", 2);
            return new Node(id, "workload", parts[0], parts.length > 1 ? parts[1] : UNKNOWN, false, null, 0);
        }
        return new Node(id, UNKNOWN, "", UNKNOWN, false, null, 0);
    }

    static String workloadId(String namespace, String workload) {
        return "workload:" + namespace + "/" + workload;
    }

    /** Sums per edge, the reporter chosen per edge as the class comment says. */
    private static final class Totals {
        static final Totals ZERO = new Totals("", "", "", "");
        final String source;
        final String target;
        final String service;
        final String reporter;
        double opened;
        double failed;
        double bytes;
        double mtlsOpened;
        double requests;
        double errors;
        double mtlsRequests;

        Totals(String source, String target, String service, String reporter) {
            this.source = source;
            this.target = target;
            this.service = service;
            this.reporter = reporter;
        }

        boolean tcp() {
            return opened + failed + bytes > 0;
        }

        /** One edge from its reporters: TCP counts from {@code tcp}, request counts from {@code http}. */
        static Totals merged(String service, Totals tcp, Totals http) {
            Totals any = http != null ? http : tcp;
            Totals out = new Totals(any.source, any.target, service, any.reporter);
            if (tcp != null) {
                out.opened = tcp.opened;
                out.failed = tcp.failed;
                out.bytes = tcp.bytes;
                out.mtlsOpened = tcp.mtlsOpened;
            }
            if (http != null) {
                out.requests = http.requests;
                out.errors = http.errors;
                out.mtlsRequests = http.mtlsRequests;
            }
            return out;
        }
    }

    /**
     * The edges' totals of one round. A request a waypoint reported (source → destination) went
     * source → waypoint → destination: it counts on both hops, beside the TCP the ztunnels reported
     * for them, so the waypoint is seen in the path with its request and error rates.
     */
    private static Map<String, Totals> totals(Scraper.Round round, Map<String, String> waypointOf) {
        // per reporter first, then one reporter per edge
        Map<String, Map<String, Totals>> byReporter = new TreeMap<>();
        for (Scraper.Target scraped : round.targets()) {
            String via = scraped.waypoint() == null || !scraped.waypoint().contains("/") ? null
                    : workloadId(scraped.waypoint().split("/", 2)[0], scraped.waypoint().split("/", 2)[1]);
            for (PrometheusText.Sample s : scraped.samples()) {
                String reporter = s.label("reporter");
                if (!s.name().startsWith("istio_tcp_") && !s.name().equals("istio_requests_total")) {
                    continue;
                }
                String source = known(s.label("source_workload")) && known(s.label("source_workload_namespace"))
                        ? workloadId(s.label("source_workload_namespace"), s.label("source_workload")) : UNKNOWN;
                String service = known(s.label("destination_service_name")) && known(s.label("destination_service_namespace"))
                        ? s.label("destination_service_namespace") + "/" + s.label("destination_service_name") : "";
                String target = known(s.label("destination_workload")) && known(s.label("destination_workload_namespace"))
                        ? workloadId(s.label("destination_workload_namespace"), s.label("destination_workload"))
                        : service.isEmpty() ? UNKNOWN : "service:" + service;
                // a waypoint pod is its waypoint's node, whichever proxy reported it
                String from = waypointOf.getOrDefault(source, source);
                String to = waypointOf.getOrDefault(target, target);
                List<List<String>> hops = via != null && "waypoint".equals(reporter)
                        ? List.of(List.of(from, via), List.of(via, to))
                        : List.of(List.of(from, to));
                for (List<String> hop : hops) {
                    Totals t = byReporter.computeIfAbsent(hop.get(0) + ">" + hop.get(1), k -> new TreeMap<>())
                            .computeIfAbsent(reporter, r -> new Totals(hop.get(0), hop.get(1), service, r));
                    add(t, s);
                }
            }
        }
        Map<String, Totals> out = new TreeMap<>();
        byReporter.forEach((key, reporters) -> {
            // TCP: the destination's ztunnel's counts, else the source's; requests: the waypoint's
            Totals tcp = pick(reporters, Totals::tcp, "destination", "source", "waypoint");
            Totals http = pick(reporters, t -> t.requests > 0, "waypoint", "destination", "source");
            if (tcp == null && http == null) {
                tcp = reporters.values().iterator().next(); // zeros only: the caller drops it
            }
            Totals first = http != null ? http : tcp;
            // The destination's ztunnel may not know which service a direct HBONE connection was
            // addressed to (its label then says "unknown"); the source's, which saw the VIP, does.
            String service = !first.service.isEmpty() ? first.service
                    : reporters.values().stream().map(t -> t.service).filter(v -> !v.isEmpty()).findFirst().orElse("");
            out.put(key, Totals.merged(service, tcp, http));
        });
        return out;
    }

    private static Totals pick(Map<String, Totals> reporters, java.util.function.Predicate<Totals> counted, String... preference) {
        for (String reporter : preference) {
            Totals t = reporters.get(reporter);
            if (t != null && counted.test(t)) {
                return t;
            }
        }
        return reporters.values().stream().filter(counted).findFirst().orElse(null);
    }

    private static void add(Totals t, PrometheusText.Sample s) {
        boolean mtls = "mutual_tls".equals(s.label("connection_security_policy"));
        double v = Double.isFinite(s.value()) ? s.value() : 0;
        switch (s.name()) {
            case "istio_tcp_connections_opened_total" -> {
                t.opened += v;
                if (mtls) {
                    t.mtlsOpened += v;
                }
            }
            case "istio_tcp_connections_failed_total" -> t.failed += v;
            case "istio_tcp_sent_bytes_total", "istio_tcp_received_bytes_total" -> t.bytes += v;
            case "istio_requests_total" -> {
                t.requests += v;
                if (s.label("response_code").startsWith("5")) {
                    t.errors += v;
                }
                if (mtls) {
                    t.mtlsRequests += v;
                }
            }
            default -> { }
        }
    }

    private static boolean known(String value) {
        return !value.isEmpty() && !UNKNOWN.equals(value);
    }
}
