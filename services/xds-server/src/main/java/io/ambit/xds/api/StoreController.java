package io.ambit.xds.api;

import java.util.List;
import java.util.Map;

import io.ambit.xds.status.ObjectStatus;
import io.ambit.xds.status.StatusView;
import io.ambit.xds.store.ConfigException;
import io.ambit.xds.store.LocalConfigStore;
import io.ambit.xds.store.ResourceKey;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The local store's REST API (port 15011), what {@code meshctl} talks to. Bodies are Kubernetes
 * YAML, applied or deleted all-or-nothing; a refusal answers 400 with every problem as
 * {@code file:line: field: message}, and the store is unchanged. {@code GET /store/status} shows
 * the objects' computed status, which the local store does not write into them.
 */
@RestController
@Profile("!kubernetes")
@RequestMapping("/store")
public class StoreController {

    private final LocalConfigStore store;
    private final StatusView status;

    public StoreController(LocalConfigStore store, StatusView status) {
        this.store = store;
        this.status = status;
    }

    @PostMapping(value = "/apply", consumes = {"application/yaml", "text/plain"})
    public Map<String, Object> apply(@RequestBody String yaml, @RequestParam(defaultValue = "request") String source) {
        return Map.of("applied", names(store.apply(source, yaml)), "version", store.snapshot().version());
    }

    @PostMapping(value = "/delete", consumes = {"application/yaml", "text/plain"})
    public Map<String, Object> delete(@RequestBody String yaml, @RequestParam(defaultValue = "request") String source) {
        return Map.of("deleted", names(store.delete(source, yaml)), "version", store.snapshot().version());
    }

    @GetMapping("/objects")
    public List<Map<String, Object>> objects(@RequestParam(required = false) String kind) {
        return store.snapshot().objects().values().stream()
                .filter(parsed -> kind == null || parsed.key().kind().equalsIgnoreCase(kind))
                .map(parsed -> Map.<String, Object>of(
                        "kind", parsed.key().kind(), "namespace", parsed.key().namespace(), "name", parsed.key().name(),
                        "source", parsed.source(), "line", parsed.line()))
                .toList();
    }

    /**
     * Every object as written ({@code kind} picks one kind), as JSON: what admin-ui shows as
     * "policies as written" and checks in its validations. {@code {"version": n, "objects": [{"source",
     * "line", "object"}]}}, sorted by kind, namespace and name.
     */
    @GetMapping(value = "/export", produces = org.springframework.http.MediaType.APPLICATION_JSON_VALUE)
    public String export(@RequestParam(required = false) String kind) {
        LocalConfigStore.Snapshot snapshot = store.snapshot();
        StringBuilder json = new StringBuilder("{\"version\":").append(snapshot.version()).append(",\"objects\":[");
        boolean first = true;
        for (var parsed : snapshot.objects().values().stream()
                .filter(p -> kind == null || p.key().kind().equalsIgnoreCase(kind))
                .sorted(java.util.Comparator.comparing((io.ambit.xds.store.KubeYamlParser.Parsed p) -> p.key().kind())
                        .thenComparing(p -> p.key().namespace()).thenComparing(p -> p.key().name()))
                .toList()) {
            json.append(first ? "" : ",").append("{\"source\":").append(tools.jackson.databind.json.JsonMapper.shared().writeValueAsString(parsed.source()))
                    .append(",\"line\":").append(parsed.line())
                    .append(",\"object\":").append(io.ambit.xds.store.KubeYamlParser.toJson(parsed.object())).append('}');
            first = false;
        }
        return json.append("]}").toString();
    }

    /**
     * The status translation computed for each object it has something to say about (what Kubernetes
     * mode writes to the objects' status), as of the last translation: a change shows once translated.
     */
    @GetMapping("/status")
    public List<Map<String, Object>> status(@RequestParam(required = false) String kind) {
        return status.statuses(kind).stream().map(ObjectStatus::toMap).toList();
    }

    /**
     * The pods on one node with their service accounts: what the CA's node rule asks in local mode
     * (in Kubernetes it asks the API server), so pods applied through this API get certificates too.
     */
    @GetMapping("/pods")
    public List<Map<String, String>> pods(@RequestParam String node) {
        return store.snapshot().all(io.fabric8.kubernetes.api.model.Pod.class).stream()
                .filter(pod -> pod.getSpec() != null && node.equals(pod.getSpec().getNodeName()))
                .map(pod -> Map.of("namespace", pod.getMetadata().getNamespace(), "name", pod.getMetadata().getName(),
                        "serviceAccount", java.util.Optional.ofNullable(pod.getSpec().getServiceAccountName()).orElse("default"),
                        "node", node))
                .toList();
    }

    @ExceptionHandler(ConfigException.class)
    public ResponseEntity<Map<String, Object>> refused(ConfigException e) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("problems",
                e.problems().stream().map(ConfigException.Problem::toString).toList()));
    }

    private static List<String> names(List<ResourceKey> keys) {
        return keys.stream().map(ResourceKey::toString).toList();
    }
}
