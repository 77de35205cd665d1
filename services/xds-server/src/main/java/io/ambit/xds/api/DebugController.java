package io.ambit.xds.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.ambit.proto.security.Authorization;
import io.ambit.proto.workload.Address;
import io.ambit.xds.ads.AdsService;
import io.ambit.xds.ads.ClientStatus;
import io.ambit.xds.state.Generation;
import io.ambit.xds.state.XdsResource;
import io.ambit.xds.state.XdsState;
import io.ambit.xds.translate.Finding;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Read-only debug views on port 15011: the translated resources per type (as JSON in Istio's field
 * names), the connected clients with their ACKed generations and NACKs, and translation findings.
 * Admin only ({@link XdsAccessRules}): resources name every workload and policy in the mesh and the
 * clients' identities, more than a viewer of the store's objects needs.
 */
@RestController
@RequestMapping("/debug/xds")
public class DebugController {

    private static final JsonFormat.Printer JSON = JsonFormat.printer()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder().add(Address.getDescriptor()).add(Authorization.getDescriptor()).build())
            .omittingInsignificantWhitespace();

    private final XdsState state;
    private final AdsService ads;

    public DebugController(XdsState state, AdsService ads) {
        this.state = state;
        this.ads = ads;
    }

    @GetMapping(value = "/resources", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<String> resources(@RequestParam(defaultValue = "address") String type) {
        String typeUrl = switch (type) {
            case "address" -> XdsState.ADDRESS_TYPE;
            case "authorization" -> XdsState.AUTHORIZATION_TYPE;
            default -> null;
        };
        if (typeUrl == null) {
            return ResponseEntity.badRequest().body("{\"error\":\"type must be address or authorization\"}");
        }
        Generation generation = state.current();
        StringBuilder json = new StringBuilder("{\"generation\":").append(generation.number()).append(",\"resources\":[");
        boolean first = true;
        for (XdsResource resource : generation.of(typeUrl).values().stream().sorted(java.util.Comparator.comparing(XdsResource::name)).toList()) {
            json.append(first ? "" : ",").append("{\"name\":").append(quote(resource.name()))
                    .append(",\"version\":").append(quote(resource.version())).append(",\"resource\":").append(print(resource));
            json.append('}');
            first = false;
        }
        return ResponseEntity.ok(json.append("]}").toString());
    }

    /** Envoy printer for waypoint resources: the types their {@code Any} fields hold. */
    private static final JsonFormat.Printer ENVOY_JSON = JsonFormat.printer()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
                    // a TCP port's listener: network RBAC then the TCP proxy
                    .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDescriptor())
                    // a TCP port's chain (tcp_proxy, with the network RBAC filter when policies apply)
                    .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
                    .build())
            .omittingInsignificantWhitespace();

    /**
     * Each waypoint's Envoy resources (Listener, RouteConfiguration, Cluster, ClusterLoadAssignment),
     * decoded to Envoy's JSON, as the current generation holds them (what is being served; no
     * translation here); {@code name} ({@code namespace/name}) picks one waypoint.
     */
    @GetMapping(value = "/waypoints", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<String> waypoints(@RequestParam(required = false) String name) {
        Generation generation = state.current();
        var translated = generation.envoy().configs();
        if (name != null && !translated.containsKey(name)) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_JSON)
                    .body("{\"error\":" + quote("no programmed waypoint " + name + "; known: " + String.join(", ", translated.keySet())) + "}");
        }
        StringBuilder json = new StringBuilder("{\"generation\":").append(generation.number()).append(",\"waypoints\":[");
        boolean first = true;
        for (var waypoint : translated.values()) {
            if (name != null && !name.equals(waypoint.waypoint())) {
                continue;
            }
            json.append(first ? "" : ",").append("{\"name\":").append(quote(waypoint.waypoint()));
            json.append(",\"listeners\":").append(printAll(waypoint.listeners()));
            json.append(",\"routes\":").append(printAll(waypoint.routes()));
            json.append(",\"clusters\":").append(printAll(waypoint.clusters()));
            json.append(",\"endpoints\":").append(printAll(waypoint.endpoints())).append('}');
            first = false;
        }
        return ResponseEntity.ok(json.append("]}").toString());
    }

    private static String printAll(List<? extends com.google.protobuf.Message> messages) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < messages.size(); i++) {
            String printed;
            try {
                printed = ENVOY_JSON.print(messages.get(i));
            } catch (InvalidProtocolBufferException e) {
                printed = quote("unprintable: " + e.getMessage()); // one entry, so the answer stays valid JSON
            }
            json.append(i == 0 ? "" : ",").append(printed);
        }
        return json.append(']').toString();
    }

    @GetMapping("/clients")
    public ResponseEntity<?> clients() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("generation", state.current().number());
        body.put("clients", ads.clients());
        return ResponseEntity.ok(body);
    }

    @GetMapping("/findings")
    public ResponseEntity<?> findings() {
        List<String> findings = state.current().findings().stream().map(Finding::toString).toList();
        return ResponseEntity.ok(Map.of("findings", findings));
    }

    private static String print(XdsResource resource) {
        try {
            return JSON.print(resource.body());
        } catch (InvalidProtocolBufferException e) {
            return quote("unprintable: " + e.getMessage());
        }
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
