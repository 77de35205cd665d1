package io.ambit.xds.translate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.protobuf.ByteString;
import com.google.protobuf.UInt32Value;
import io.ambit.proto.workload.Locality;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.Workload;
import io.ambit.proto.workload.WorkloadStatus;
import io.ambit.proto.workload.WorkloadType;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

/**
 * Workloads that are not pods, as Istio's ambient index builds them
 * ({@code pilot/pkg/serviceregistry/kube/controller/ambient/workloads.go}):
 *
 * <ul>
 * <li><b>WorkloadEntry</b>: uid {@code <cluster>/networking.istio.io/WorkloadEntry/<ns>/<name>};
 *     workload type POD named after the entry (Istio's "impersonate a pod"); status HEALTHY;
 *     locality from {@code region/zone/subzone}. Its labels are {@code metadata.labels} overlaid
 *     with {@code spec.labels}: Istio's ambient index reads the former, its sidecar registry the
 *     latter, and users write either. The address must be an IP literal: Istio keeps a
 *     WorkloadEntry with a DNS name but without any address ("DNS resolution is not yet
 *     implemented"), which nothing can reach, so Ambit skips it with a finding instead.</li>
 * <li><b>ServiceEntry endpoints</b> ({@code spec.endpoints}): uid
 *     {@code <cluster>/networking.istio.io/ServiceEntry/<ns>/<name>/<address>}, named after the
 *     ServiceEntry, member of all its hosts; an address that is not an IP literal becomes the
 *     workload's {@code hostname} (ztunnel resolves it). Only {@code istio.io/use-waypoint} on the
 *     endpoint's own labels (or the namespace) binds it to a waypoint, as in Istio. A second
 *     endpoint with the same address would get the same uid: it is skipped with a finding.
 *     DNS ServiceEntries without endpoints get no implicit workloads (Istio makes one per host;
 *     not done yet).</li>
 * </ul>
 *
 * Enrolment (HBONE) follows the pod label rule: {@code istio.io/dataplane-mode} on the entry (for
 * endpoints: the endpoint's labels, then the ServiceEntry's), else on the namespace. (Istio reads
 * the CNI's {@code ambient.istio.io/redirection} annotation, which a user sets by hand on
 * non-pods; the label rule is what Ambit users already know.) The service account defaults to
 * {@code default}, as for pods. {@code weight} becomes the workload's {@code capacity}.
 */
final class ExternalWorkloads {

    private ExternalWorkloads() {
    }

    static Workload workloadEntry(MeshInputs inputs, GenericKubernetesResource entry, TranslationContext context) {
        String namespace = entry.getMetadata().getNamespace();
        String name = entry.getMetadata().getName();
        // Istio's fields only (a Kubernetes-mode object gets here without the local store's check)
        io.ambit.gatewayapi.istio.IstioSpecs.bind(entry.getAdditionalProperties().get("spec"),
                io.ambit.gatewayapi.istio.WorkloadEntrySpec.class);
        WorkloadEntrySpec spec = WorkloadEntrySpec.read(SpecReader.of(entry.getAdditionalProperties().get("spec"), "spec"));
        if (spec.address().isEmpty()) {
            throw new IllegalArgumentException("spec.address: required");
        }
        if (!IpLiteral.is(spec.address())) {
            throw new IllegalArgumentException("spec.address: " + spec.address()
                    + " is not an IP address literal (DNS addresses are not supported for WorkloadEntry in ambient)");
        }
        Map<String, String> labels = new LinkedHashMap<>(Labels.of(entry));
        labels.putAll(spec.labels());

        Workload.Builder workload = base(inputs, spec, name, labels)
                .setUid(inputs.clusterId() + "/networking.istio.io/WorkloadEntry/" + namespace + "/" + name)
                .setName(name)
                .setNamespace(namespace)
                .setTunnelProtocol(Enrollment.captured(inputs, namespace, labels) ? TunnelProtocol.HBONE : TunnelProtocol.NONE)
                .putAllServices(context.servicesForWorkloadEntry(namespace, labels, spec));
        if (!Labels.MESH_CONTROLLER.equals(labels.get(Labels.GATEWAY_MANAGED))) {
            context.waypoints().resolve(WaypointBindings.Target.WORKLOAD, "WorkloadEntry", namespace, name, labels, context.findings)
                    .ifPresent(workload::setWaypoint);
        }
        return workload.build();
    }

    static List<Workload> serviceEntryEndpoints(MeshInputs inputs, ServiceEntrySpec entry, TranslationContext context) {
        List<Workload> workloads = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (WorkloadEntrySpec endpoint : entry.endpoints()) {
            if (!seen.add(endpoint.address())) {
                context.findings.add(new Finding("ServiceEntry", entry.namespace(), entry.name(), "endpoint address "
                        + endpoint.address() + " appears more than once; only the first is used"));
                continue;
            }
            Map<String, String> enrolmentLabels = new LinkedHashMap<>(entry.labels());
            enrolmentLabels.putAll(endpoint.labels());
            Workload.Builder workload = base(inputs, endpoint, entry.name(), entry.labels())
                    .setUid(inputs.clusterId() + "/networking.istio.io/ServiceEntry/" + entry.namespace() + "/" + entry.name()
                            + "/" + endpoint.address())
                    .setName(entry.name())
                    .setNamespace(entry.namespace())
                    .setTunnelProtocol(Enrollment.captured(inputs, entry.namespace(), enrolmentLabels)
                            ? TunnelProtocol.HBONE : TunnelProtocol.NONE)
                    .putAllServices(TranslationContext.servicesOfEntry(entry, endpoint));
            if (!IpLiteral.is(endpoint.address())) {
                workload.clearAddresses().setHostname(endpoint.address());
            }
            context.waypoints().resolve(WaypointBindings.Target.WORKLOAD, "ServiceEntry", entry.namespace(), entry.name(),
                    endpoint.labels(), context.findings).ifPresent(workload::setWaypoint);
            workloads.add(workload.build());
        }
        return workloads;
    }

    /** What a WorkloadEntry and an inline endpoint share. */
    private static Workload.Builder base(MeshInputs inputs, WorkloadEntrySpec spec, String workloadName, Map<String, String> labels) {
        Workload.Builder workload = Workload.newBuilder()
                .setNetwork(spec.network())
                .setTrustDomain(inputs.trustDomain())
                .setServiceAccount(spec.serviceAccount().isEmpty() ? "default" : spec.serviceAccount())
                .setCanonicalName(Labels.first(labels, workloadName, Labels.CANONICAL_NAME, "app.kubernetes.io/name", "app"))
                .setCanonicalRevision(Labels.first(labels, "latest", Labels.CANONICAL_REVISION, "app.kubernetes.io/version", "version"))
                .setWorkloadType(WorkloadType.POD)
                .setWorkloadName(workloadName)
                .setStatus(WorkloadStatus.HEALTHY)
                .setClusterId(inputs.clusterId());
        if (IpLiteral.is(spec.address())) {
            workload.addAddresses(ByteString.copyFrom(IpLiteral.bytes(spec.address())));
        }
        String[] locality = spec.locality().split("/", -1);
        if (!spec.locality().isEmpty()) {
            workload.setLocality(Locality.newBuilder()
                    .setRegion(locality[0])
                    .setZone(locality.length > 1 ? locality[1] : "")
                    .setSubzone(locality.length > 2 ? locality[2] : ""));
        }
        if (spec.weight() > 0) {
            workload.setCapacity(UInt32Value.of((int) spec.weight()));
        }
        return workload;
    }
}
