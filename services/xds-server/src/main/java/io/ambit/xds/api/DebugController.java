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
