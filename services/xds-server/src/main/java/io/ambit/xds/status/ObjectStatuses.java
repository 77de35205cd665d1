package io.ambit.xds.status;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import io.ambit.proto.workload.GatewayAddress;
import io.ambit.xds.state.Generation;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.store.ResourceKey;
import io.ambit.gatewayapi.v1.ParentReference;
import io.ambit.xds.translate.Finding;
import io.ambit.xds.translate.MeshInputs;
import io.ambit.xds.translate.RouteParentStatus;
import io.ambit.xds.translate.Waypoint;
import io.ambit.xds.translate.WaypointL7Translator;
import io.ambit.xds.translate.WaypointPolicyStatus;
import io.ambit.xds.translate.WaypointTranslator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The status of every object translation has something to say about, computed from a
 * {@link Generation} and the inputs it was translated from. A pure function: the Kubernetes
 * {@link StatusWriter} writes it, the local REST API shows it.
 *
 * <ul>
 *   <li>Gateway of class {@code istio-waypoint}: {@code Accepted} and {@code Programmed}, as
 *       istiod's gateway controller writes them ({@code Resource accepted}; {@code Programmed=True,
 *       reason Programmed} with {@code status.addresses}, or {@code False, AddressNotAssigned} with
 *       the reason it has no address; {@code Invalid} for both when the Gateway does not read).</li>
 *   <li>AuthorizationPolicy sent to ztunnel: {@code ZtunnelAccepted} as istiod's ambient index
 *       writes it: {@code True, Accepted, "attached to ztunnel"} without findings; with findings,
 *       reason {@code UnsupportedValue}, the findings as message, and {@code True} only if the
 *       policy was still sent. A policy with {@code targetRefs} belongs to a waypoint and gets
 *       {@code WaypointAccepted} instead, as istiod's ambient index writes it ({@link WaypointPolicyStatus}).</li>
 *   <li>HTTPRoute and GRPCRoute: {@code status.parents[]}, one per {@code parentRefs} entry, with
 *       {@code Accepted} and {@code ResolvedRefs} as {@link io.ambit.xds.translate.WaypointL7Translator}
 *       computes them, controller {@code istio.io/mesh-controller}.</li>
 *   <li>Any other object with findings: {@code ambit.io/Translated=False, reason Findings}: translation
 *       did not take it as written, and the message says what it did instead.</li>
 * </ul>
 */
public final class ObjectStatuses {

    public static final String ACCEPTED = "Accepted";
    public static final String PROGRAMMED = "Programmed";
    public static final String ZTUNNEL_ACCEPTED = "ZtunnelAccepted";
    public static final String TRANSLATED = "ambit.io/Translated";
    public static final String RESOLVED_REFS = "ResolvedRefs";
    public static final String WAYPOINT_ACCEPTED = "WaypointAccepted";

    /** Condition types owned per kind; every other kind: {@link #TRANSLATED}. */
    static List<String> ownedTypes(String kind) {
        return switch (kind) {
            case "Gateway" -> List.of(ACCEPTED, PROGRAMMED);
            case "AuthorizationPolicy" -> List.of(ZTUNNEL_ACCEPTED, WAYPOINT_ACCEPTED);
            case "HTTPRoute", "GRPCRoute" -> List.of(); // their conditions are per parent
            default -> List.of(TRANSLATED);
        };
    }

    private ObjectStatuses() {
    }

    public static Map<ResourceKey, ObjectStatus> compute(Generation generation, MeshInputs inputs) {
        Map<ResourceKey, Set<String>> findings = new LinkedHashMap<>();
        for (Finding f : generation.findings()) {
            findings.computeIfAbsent(new ResourceKey(f.kind(), f.namespace(), f.name()), k -> new LinkedHashSet<>()).add(f.message());
        }
        Map<ResourceKey, HasMetadata> objects = objects(inputs);
        Map<ResourceKey, ObjectStatus> statuses = new LinkedHashMap<>();

        for (Waypoint waypoint : WaypointTranslator.waypoints(inputs).resources()) {
            ResourceKey key = new ResourceKey("Gateway", waypoint.namespace(), waypoint.name());
            Set<String> about = findings.remove(key);
            statuses.put(key, gateway(key, waypoint, about == null ? Set.of() : about, observedGeneration(objects.get(key))));
        }
        // the waypoints' configs as the generation holds them: only those a change touched were translated again
        WaypointL7Translator.Result l7 = WaypointL7Translator.statuses(inputs, generation.envoy().configs());
        // L7 findings about routes and grants read like other findings; a policy's go in WaypointAccepted
        l7.findings().stream().filter(f -> !f.kind().equals("AuthorizationPolicy")).forEach(f -> findings
                .computeIfAbsent(new ResourceKey(f.kind(), f.namespace(), f.name()), k -> new LinkedHashSet<>()).add(f.message()));
        for (WaypointPolicyStatus policy : l7.policyStatuses()) {
            ResourceKey key = new ResourceKey("AuthorizationPolicy", policy.namespace(), policy.name());
            statuses.put(key, new ObjectStatus(key, List.of(new Condition(WAYPOINT_ACCEPTED, policy.bound(), policy.reason(),
                    policy.message(), observedGeneration(objects.get(key)))), List.of(), ownedTypes(key.kind())));
        }
        for (GenericKubernetesResource policy : inputs.authorizationPolicies()) {
            ResourceKey key = key(policy);
            Set<String> about = findings.remove(key);
            boolean sent = generation.of(XdsState.AUTHORIZATION_TYPE).containsKey(key.namespace() + "/" + key.name());
            if (!sent && about == null) {
                continue; // a waypoint's policy (targetRefs): not ztunnel's to accept
            }
            Condition condition = about == null
                    ? new Condition(ZTUNNEL_ACCEPTED, true, "Accepted", "attached to ztunnel", observedGeneration(policy))
                    : new Condition(ZTUNNEL_ACCEPTED, sent, "UnsupportedValue", String.join(" ", about), observedGeneration(policy));
            statuses.put(key, new ObjectStatus(key, List.of(condition), List.of(), ownedTypes(key.kind())));
        }
        Map<ResourceKey, List<ObjectStatus.Parent>> parents = new LinkedHashMap<>();
        for (RouteParentStatus route : l7.routeStatuses()) {
            ResourceKey key = new ResourceKey(route.kind(), route.namespace(), route.name());
            long observed = observedGeneration(objects.get(key));
            parents.computeIfAbsent(key, k -> new ArrayList<>()).add(new ObjectStatus.Parent(parentRef(route.parentRef()),
                    route.controllerName(), List.of(
                            new Condition(ACCEPTED, route.accepted(), route.acceptedReason(), route.acceptedMessage(), observed),
                            new Condition(RESOLVED_REFS, route.resolvedRefs(), route.resolvedReason(), route.resolvedMessage(), observed))));
        }
        parents.forEach((key, list) -> statuses.put(key, new ObjectStatus(key, List.of(), List.of(), ownedTypes(key.kind()), list)));
        findings.forEach((key, messages) -> statuses.put(key, new ObjectStatus(key,
                List.of(new Condition(TRANSLATED, false, "Findings", String.join(" ", messages), observedGeneration(objects.get(key)))),
                List.of(), ownedTypes(key.kind()))));
        return statuses;
    }

    /** The parentRef as written in status: group and kind spelt out, the rest as the route gave it. */
    static Map<String, Object> parentRef(ParentReference ref) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("group", ref.groupOrDefault());
        map.put("kind", ref.kindOrDefault());
        map.put("name", ref.name());
        if (ref.namespace() != null) {
            map.put("namespace", ref.namespace());
        }
        if (ref.sectionName() != null) {
            map.put("sectionName", ref.sectionName());
        }
        if (ref.port() != null) {
            map.put("port", ref.port());
        }
        return map;
    }

    private static ObjectStatus gateway(ResourceKey key, Waypoint waypoint, Set<String> findings, long observedGeneration) {
        // The translator's own "not programmed" findings say what Programmed says; the rest go with Accepted.
        List<String> warnings = findings.stream()
                .filter(m -> !m.contains("waypoint is not programmed") && !m.endsWith("waypoint not programmed")).toList();
        List<ObjectStatus.Address> addresses = new ArrayList<>();
        Condition accepted;
        Condition programmed;
        if (waypoint.notProgrammed().startsWith(WaypointTranslator.INVALID)) {
            accepted = new Condition(ACCEPTED, false, "Invalid", waypoint.notProgrammed(), observedGeneration);
            programmed = new Condition(PROGRAMMED, false, "Invalid", waypoint.notProgrammed(), observedGeneration);
        } else {
            accepted = new Condition(ACCEPTED, true, "Accepted",
                    Stream.concat(Stream.of("Resource accepted"), warnings.stream()).reduce((a, b) -> a + "; " + b).orElseThrow(),
                    observedGeneration);
            if (waypoint.programmed()) {
                ObjectStatus.Address address = address(waypoint.address());
                addresses.add(address);
                programmed = new Condition(PROGRAMMED, true, "Programmed",
                        "Resource programmed, assigned to " + address.value() + ":" + Waypoint.HBONE_PORT, observedGeneration);
            } else {
                programmed = new Condition(PROGRAMMED, false, "AddressNotAssigned", waypoint.notProgrammed(), observedGeneration);
            }
        }
        return new ObjectStatus(key, List.of(accepted, programmed), addresses, ownedTypes(key.kind()));
    }

    private static ObjectStatus.Address address(GatewayAddress address) {
        if (address.hasHostname()) {
            return new ObjectStatus.Address("Hostname", address.getHostname().getHostname());
        }
        try {
            return new ObjectStatus.Address("IPAddress",
                    InetAddress.getByAddress(address.getAddress().getAddress().toByteArray()).getHostAddress());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("translation produced a waypoint address that is not an IP: bug", e);
        }
    }

    private static Map<ResourceKey, HasMetadata> objects(MeshInputs inputs) {
        Map<ResourceKey, HasMetadata> objects = new LinkedHashMap<>();
        inputs.namespaces().values().forEach(n -> objects.put(new ResourceKey("Namespace", "", n.getMetadata().getName()), n));
        Stream.of(inputs.pods(), inputs.services(), inputs.endpointSlices(), inputs.authorizationPolicies(),
                        inputs.peerAuthentications(), inputs.workloadEntries(), inputs.serviceEntries(), inputs.gateways(),
                        inputs.httpRoutes(), inputs.grpcRoutes())
                .flatMap(List::stream).forEach(o -> objects.put(key(o), o));
        return objects;
    }

    private static ResourceKey key(HasMetadata object) {
        String namespace = object.getMetadata().getNamespace() == null ? "" : object.getMetadata().getNamespace();
        return new ResourceKey(object.getKind(), namespace, object.getMetadata().getName());
    }

    private static long observedGeneration(HasMetadata object) {
        return object == null || object.getMetadata().getGeneration() == null ? 0 : object.getMetadata().getGeneration();
    }
}
