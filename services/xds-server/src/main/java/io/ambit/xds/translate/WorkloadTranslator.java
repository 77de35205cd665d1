package io.ambit.xds.translate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.google.protobuf.ByteString;
import io.ambit.proto.workload.PortList;
import io.ambit.proto.workload.TunnelProtocol;
import io.ambit.proto.workload.Workload;
import io.ambit.proto.workload.WorkloadStatus;
import io.ambit.proto.workload.WorkloadType;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodIP;

/**
 * Pod → {@code istio.workload.Workload}, as istiod's ambient index builds it: identity from the
 * service account, canonical name and revision from the usual labels, workload type and name from
 * the owner, the services whose selector matches (with named target ports resolved against this
 * pod's containers), ServiceEntries whose {@code workloadSelector} matches, selector-less Services
 * whose EndpointSlices name the pod, readiness as status, HBONE when the pod is enrolled, and the
 * waypoint it is bound to when that waypoint serves workload traffic (never for a waypoint's own
 * pods). WorkloadEntries and ServiceEntry endpoints: {@link ExternalWorkloads}.
 */
public final class WorkloadTranslator {

    private WorkloadTranslator() {
    }

    public static List<Workload> translate(MeshInputs inputs) {
        return translateAll(inputs).resources();
    }

    /** Pods, WorkloadEntries and ServiceEntry endpoints; an object that does not translate is skipped with a finding. */
    public static Translated<Workload> translateAll(MeshInputs inputs) {
        TranslationContext context = TranslationContext.of(inputs);
        List<Workload> workloads = new ArrayList<>();
        for (Pod pod : inputs.pods()) {
            try {
                workload(inputs, pod, context).ifPresent(workloads::add);
            } catch (IllegalArgumentException e) {
                context.findings.add(new Finding("Pod", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                        e.getMessage() + "; workload skipped"));
            }
        }
        for (GenericKubernetesResource entry : inputs.workloadEntries()) {
            try {
                workloads.add(ExternalWorkloads.workloadEntry(inputs, entry, context));
            } catch (IllegalArgumentException e) {
                context.findings.add(new Finding("WorkloadEntry", entry.getMetadata().getNamespace(), entry.getMetadata().getName(),
                        e.getMessage() + "; workload skipped"));
            }
        }
        for (ServiceEntrySpec entry : context.serviceEntries()) {
            workloads.addAll(ExternalWorkloads.serviceEntryEndpoints(inputs, entry, context));
        }
        return new Translated<>(workloads, List.copyOf(context.findings));
    }

    /**
     * What translating single pods against some inputs reads (services by namespace, waypoints,
     * ServiceEntries, EndpointSlice index, selector policies), worked out once and reused for
     * every pod-only change until something else changes.
     */
    public static final class Prepared {
        private final MeshInputs inputs;
        private final TranslationContext context;

        private Prepared(MeshInputs inputs) {
            this.inputs = inputs;
            this.context = TranslationContext.of(inputs);
        }
    }

    public static Prepared prepare(MeshInputs inputs) {
        return new Prepared(inputs);
    }

    /**
     * Only these pods, against the rest of the inputs: what a change that touched nothing but pods
     * needs (see the xDS state's incremental path). Findings are those of these pods.
     */
    public static Translated<Workload> translatePods(Prepared prepared, java.util.Collection<Pod> pods) {
        TranslationContext context = prepared.context.forAnotherPass();
        List<Workload> workloads = new ArrayList<>();
        for (Pod pod : pods) {
            try {
                workload(prepared.inputs, pod, context).ifPresent(workloads::add);
            } catch (IllegalArgumentException e) {
                context.findings.add(new Finding("Pod", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                        e.getMessage() + "; workload skipped"));
            }
        }
        return new Translated<>(workloads, List.copyOf(context.findings));
    }

    static Optional<Workload> workload(MeshInputs inputs, Pod pod) {
        return workload(inputs, pod, TranslationContext.of(inputs));
    }

    /** Empty for a pod without an address yet (nothing can reach it, so there is nothing to send). */
    static Optional<Workload> workload(MeshInputs inputs, Pod pod, TranslationContext context) {
        List<ByteString> addresses = addresses(pod);
        if (addresses.isEmpty()) {
            return Optional.empty();
        }
        String namespace = pod.getMetadata().getNamespace();
        Map<String, String> labels = Labels.of(pod);
        Owner owner = owner(pod);
        Workload.Builder workload = Workload.newBuilder()
                .setUid(inputs.clusterId() + "//Pod/" + namespace + "/" + pod.getMetadata().getName())
                .setName(pod.getMetadata().getName())
                .setNamespace(namespace)
                .addAllAddresses(addresses)
                .setTrustDomain(inputs.trustDomain())
                .setServiceAccount(Optional.ofNullable(pod.getSpec().getServiceAccountName()).orElse("default"))
                .setNode(Optional.ofNullable(pod.getSpec().getNodeName()).orElse(""))
                .setCanonicalName(Labels.first(labels, owner.name(), Labels.CANONICAL_NAME, "app.kubernetes.io/name", "app"))
                .setCanonicalRevision(Labels.first(labels, "latest", Labels.CANONICAL_REVISION, "app.kubernetes.io/version", "version"))
                .setWorkloadType(owner.type())
                .setWorkloadName(owner.name())
                .setStatus(ready(pod) ? WorkloadStatus.HEALTHY : WorkloadStatus.UNHEALTHY)
                .setClusterId(inputs.clusterId())
                .setTunnelProtocol(Enrollment.captured(inputs, pod) ? TunnelProtocol.HBONE : TunnelProtocol.NONE)
                .addAllAuthorizationPolicies(context.policiesSelecting(namespace, labels));
        Map<String, PortList> services = new LinkedHashMap<>();
        for (var service : context.servicesIn(namespace)) {
            if (ServiceTranslator.selects(service, pod)) {
                services.put(namespace + "/" + ServiceTranslator.hostname(inputs, service),
                        ServiceTranslator.portsFor(service, pod));
            }
        }
        services.putAll(context.extraServicesForPod(pod));
        workload.putAllServices(services);
        // A waypoint's own pods never go through a waypoint.
        if (!context.waypoints().isWaypointInstance(namespace, labels)) {
            context.waypoints().resolve(WaypointBindings.Target.WORKLOAD, "Pod", namespace, pod.getMetadata().getName(), labels,
                    context.findings).ifPresent(workload::setWaypoint);
        }
        return Optional.of(workload.build());
    }

    private static List<ByteString> addresses(Pod pod) {
        List<String> ips = new ArrayList<>();
        if (pod.getStatus() != null && pod.getStatus().getPodIPs() != null) {
            pod.getStatus().getPodIPs().stream().map(PodIP::getIp).forEach(ips::add);
        }
        if (ips.isEmpty() && pod.getStatus() != null && pod.getStatus().getPodIP() != null) {
            ips.add(pod.getStatus().getPodIP());
        }
        List<ByteString> addresses = new ArrayList<>();
        for (String ip : ips) {
            addresses.add(ByteString.copyFrom(ipBytes(ip)));
        }
        return addresses;
    }

    /** Literal IPv4/IPv6 only: never a DNS lookup. */
    static byte[] ipBytes(String ip) {
        return IpLiteral.bytes(ip);
    }

    private static boolean ready(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        return pod.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.getType()))
                .map(PodCondition::getStatus)
                .anyMatch("True"::equals);
    }

    private record Owner(WorkloadType type, String name) {
    }

    /** Istio's rule: a ReplicaSet owner means a Deployment (name without the hash); Job; CronJob via its Job; else the pod. */
    private static Owner owner(Pod pod) {
        List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
        OwnerReference controller = owners == null ? null
                : owners.stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
        if (controller == null) {
            return new Owner(WorkloadType.POD, pod.getMetadata().getName());
        }
        String name = controller.getName();
        return switch (controller.getKind()) {
            case "ReplicaSet" -> {
                String hash = Labels.of(pod).get("pod-template-hash");
                yield hash != null && name.endsWith("-" + hash)
                        ? new Owner(WorkloadType.DEPLOYMENT, name.substring(0, name.length() - hash.length() - 1))
                        : new Owner(WorkloadType.POD, name);
            }
            case "Job" -> {
                // A CronJob's jobs are named <cronjob>-<scheduled time in minutes>.
                int dash = name.lastIndexOf('-');
                yield dash > 0 && name.substring(dash + 1).chars().allMatch(Character::isDigit) && name.length() - dash > 8
                        ? new Owner(WorkloadType.CRONJOB, name.substring(0, dash))
                        : new Owner(WorkloadType.JOB, name);
            }
            default -> new Owner(WorkloadType.POD, name);
        };
    }
}
