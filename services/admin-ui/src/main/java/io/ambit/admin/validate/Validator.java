package io.ambit.admin.validate;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.ambit.admin.mesh.MeshSnapshot;
import io.ambit.admin.mesh.StoreObject;
import io.ambit.admin.metrics.PrometheusText;
import io.ambit.admin.metrics.Scraper;
import tools.jackson.databind.JsonNode;

/**
 * Checks across objects that each object's own validation cannot see (Kiali's validations): a
 * policy naming a namespace or service account that does not exist, an {@code istio.io/use-waypoint}
 * naming a missing Gateway, a route to a backend that does not exist, STRICT mTLS while the
 * metrics show plain-text connections; plus the xds-server's translation findings.
 */
public final class Validator {

    static final String USE_WAYPOINT = "istio.io/use-waypoint";
    static final String USE_WAYPOINT_NAMESPACE = "istio.io/use-waypoint-namespace";

    private Validator() {
    }

    public static List<Validation> validate(MeshSnapshot mesh, Scraper.Round metrics) {
        List<Validation> out = new ArrayList<>();
        Set<String> namespaces = new TreeSet<>(mesh.namespaceNames());
        Set<String> accounts = new TreeSet<>();
        mesh.workloads().forEach(w -> accounts.add(w.namespace() + "/" + w.serviceAccount()));
        mesh.objects("Pod").forEach(p -> accounts.add(p.namespace() + "/" + p.spec().path("serviceAccountName").asString("default")));
        mesh.objects("ServiceAccount").forEach(sa -> accounts.add(sa.namespace() + "/" + sa.name()));

        for (StoreObject policy : mesh.objects("AuthorizationPolicy")) {
            for (JsonNode rule : policy.spec().path("rules")) {
                for (JsonNode from : rule.path("from")) {
                    JsonNode source = from.path("source");
                    for (String field : List.of("namespaces", "notNamespaces")) {
                        for (JsonNode ns : source.path(field)) {
                            String name = ns.asString("");
                            if (!name.contains("*") && !namespaces.contains(name)) {
                                out.add(new Validation("warning", "unknown-namespace", policy.kind(), policy.namespace(), policy.name(),
                                        "source." + field + " names namespace \"" + name + "\", which does not exist"));
                            }
                        }
                    }
                    for (String field : List.of("principals", "notPrincipals")) {
                        for (JsonNode principal : source.path(field)) {
                            principal(policy, field, principal.asString(""), namespaces, accounts, out);
                        }
                    }
                }
            }
        }
        for (String kind : List.of("Namespace", "Service", "Pod", "WorkloadEntry")) {
            for (StoreObject object : mesh.objects(kind)) {
                String gateway = object.label(USE_WAYPOINT);
                if (gateway == null || gateway.equals("none")) {
                    continue;
                }
                String namespace = object.label(USE_WAYPOINT_NAMESPACE);
                if (namespace == null) {
                    namespace = kind.equals("Namespace") ? object.name() : object.namespace();
                }
                if (mesh.object("Gateway", namespace, gateway).isEmpty()) {
                    out.add(new Validation("error", "missing-waypoint", kind, object.namespace(), object.name(),
                            USE_WAYPOINT + "=" + gateway + " names Gateway " + namespace + "/" + gateway
                                    + ", which does not exist: its traffic cannot reach a waypoint"));
                }
            }
        }
        for (String kind : List.of("HTTPRoute", "GRPCRoute")) {
            for (StoreObject route : mesh.objects(kind)) {
                for (JsonNode rule : route.spec().path("rules")) {
                    for (JsonNode backend : rule.path("backendRefs")) {
                        String group = backend.path("group").asString("");
                        String backendKind = backend.path("kind").asString("Service");
                        if (!group.isEmpty() || !backendKind.equals("Service")) {
                            continue;
                        }
                        String namespace = backend.path("namespace").asString(route.namespace());
                        String name = backend.path("name").asString("");
                        if (mesh.object("Service", namespace, name).isEmpty() && mesh.service(namespace, name).isEmpty()) {
                            out.add(new Validation("error", "unknown-backend", kind, route.namespace(), route.name(),
                                    "backendRef Service " + namespace + "/" + name + " does not exist: requests to it fail with 500"));
                        }
                    }
                }
            }
        }
        strictWithPlaintext(mesh, metrics, out);
        mesh.findings().forEach(f -> out.add(new Validation("warning", "translation", "", "", "", f)));
        return out;
    }

    private static void principal(StoreObject policy, String field, String principal, Set<String> namespaces, Set<String> accounts,
            List<Validation> out) {
        // td/ns/<ns>/sa/<sa>; wildcards and other forms are not checked
        String[] parts = principal.split("/", -1);
        if (principal.contains("*") || parts.length != 5 || !parts[1].equals("ns") || !parts[3].equals("sa")) {
            return;
        }
        if (!namespaces.contains(parts[2])) {
            out.add(new Validation("warning", "unknown-namespace", policy.kind(), policy.namespace(), policy.name(),
                    "source." + field + " \"" + principal + "\" names namespace \"" + parts[2] + "\", which does not exist"));
        } else if (!accounts.contains(parts[2] + "/" + parts[4])) {
            out.add(new Validation("warning", "unknown-service-account", policy.kind(), policy.namespace(), policy.name(),
                    "source." + field + " \"" + principal + "\" names service account " + parts[2] + "/" + parts[4]
                            + ", which no workload uses"));
        }
    }

    /** PeerAuthentication STRICT (namespace-wide or mesh-wide) while destination ztunnels report plain-text connections. */
    private static void strictWithPlaintext(MeshSnapshot mesh, Scraper.Round metrics, List<Validation> out) {
        if (metrics == null) {
            return;
        }
        for (StoreObject pa : mesh.objects("PeerAuthentication")) {
            if (!"STRICT".equals(pa.spec().path("mtls").path("mode").asString("")) || pa.spec().has("selector")) {
                continue;
            }
            boolean meshWide = pa.namespace().equals("istio-system");
            double plaintext = 0;
            for (PrometheusText.Sample s : metrics.samples()) {
                if (s.name().equals("istio_tcp_connections_opened_total") && s.label("reporter").equals("destination")
                        && !s.label("connection_security_policy").equals("mutual_tls")
                        && (meshWide || s.label("destination_workload_namespace").equals(pa.namespace()))) {
                    plaintext += s.value();
                }
            }
            if (plaintext > 0) {
                out.add(new Validation("warning", "plaintext-under-strict", pa.kind(), pa.namespace(), pa.name(),
                        "mTLS is STRICT, yet " + (long) plaintext + " plain-text connection(s) were seen by the destination's ztunnel "
                                + "(refused since STRICT, or before it): clients outside the mesh are calling in"));
            }
        }
    }
}
