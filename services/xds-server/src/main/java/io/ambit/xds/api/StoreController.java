package io.ambit.xds.api;

import java.util.List;
import java.util.Map;

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
 * The local store's writes (port 15011), what {@code meshctl apply} talks to. Bodies are Kubernetes
 * YAML, applied or deleted all-or-nothing; a refusal answers 400 with every problem as
 * {@code file:line: field: message}, and the store is unchanged. The reads, the same in both
 * modes, are {@link StoreViewController}'s; Kubernetes mode refuses writes in
 * {@link ReadOnlyStoreController}.
 */
@RestController
@Profile("!kubernetes")
@RequestMapping("/store")
public class StoreController {

    private final LocalConfigStore store;

    public StoreController(LocalConfigStore store) {
        this.store = store;
    }

    @PostMapping(value = "/apply", consumes = {"application/yaml", "text/plain"})
    public Map<String, Object> apply(@RequestBody String yaml, @RequestParam(defaultValue = "request") String source) {
        return Map.of("applied", names(store.apply(source, yaml)), "version", store.snapshot().version());
    }

    @PostMapping(value = "/delete", consumes = {"application/yaml", "text/plain"})
    public Map<String, Object> delete(@RequestBody String yaml, @RequestParam(defaultValue = "request") String source) {
        return Map.of("deleted", names(store.delete(source, yaml)), "version", store.snapshot().version());
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
