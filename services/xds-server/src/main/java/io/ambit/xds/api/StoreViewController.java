package io.ambit.xds.api;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

import io.ambit.xds.status.ObjectStatus;
import io.ambit.xds.status.StatusView;
import io.ambit.xds.store.ConfigStore;
import io.ambit.xds.store.KubeYamlParser;
import io.ambit.xds.store.KubernetesConfigStore;
import io.ambit.xds.store.LocalConfigStore;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The store's read views, the same in both modes (reads need {@code viewer}): in local mode the
 * in-memory store, in Kubernetes mode the informers' cache of the API server, which is the same
 * snapshot translation reads. This is what admin-ui and {@code meshctl} read, so they work
 * against either mode without a Kubernetes client of their own.
 */
@RestController
@RequestMapping("/store")
public class StoreViewController {

    private final ConfigStore store;
    private final StatusView status;

    public StoreViewController(ConfigStore store, StatusView status) {
        this.store = store;
        this.status = status;
    }

    @GetMapping("/objects")
    public List<Map<String, Object>> objects(@RequestParam(required = false) String kind) {
        return sorted(store.snapshot(), kind).stream()
                .map(parsed -> Map.<String, Object>of(
                        "kind", parsed.key().kind(), "namespace", parsed.key().namespace(), "name", parsed.key().name(),
                        "source", parsed.source(), "line", parsed.line()))
                .toList();
    }

    /**
     * Every object as written ({@code kind} picks one kind), as JSON: what admin-ui shows as
     * "policies as written" and checks in its validations. {@code {"version": n, "store": "local" |
     * "kubernetes", "writable": bool, "objects": [{"source", "line", "object"}]}}, sorted by kind,
     * namespace and name. In Kubernetes mode {@code source} is {@code kubernetes} and {@code line} 0.
     */
    @GetMapping(value = "/export", produces = MediaType.APPLICATION_JSON_VALUE)
    public String export(@RequestParam(required = false) String kind) {
        LocalConfigStore.Snapshot snapshot = store.snapshot();
        boolean kubernetes = store instanceof KubernetesConfigStore;
        StringBuilder json = new StringBuilder("{\"version\":").append(snapshot.version())
                .append(",\"store\":\"").append(kubernetes ? "kubernetes" : "local")
                .append("\",\"writable\":").append(!kubernetes).append(",\"objects\":[");
        boolean first = true;
        for (KubeYamlParser.Parsed parsed : sorted(snapshot, kind)) {
            json.append(first ? "" : ",").append("{\"source\":").append(JsonMapper.shared().writeValueAsString(parsed.source()))
                    .append(",\"line\":").append(parsed.line())
                    .append(",\"object\":").append(KubeYamlParser.toJson(parsed.object())).append('}');
            first = false;
        }
        return json.append("]}").toString();
    }

    /**
     * The status translation computed for each object it has something to say about (what Kubernetes
     * mode also writes to the objects' status), as of the last translation: a change shows once translated.
     */
    @GetMapping("/status")
    public List<Map<String, Object>> status(@RequestParam(required = false) String kind) {
        return status.statuses(kind).stream().map(ObjectStatus::toMap).toList();
    }

    private static List<KubeYamlParser.Parsed> sorted(LocalConfigStore.Snapshot snapshot, String kind) {
        return snapshot.objects().values().stream()
                .filter(p -> kind == null || p.key().kind().equalsIgnoreCase(kind))
                .sorted(Comparator.comparing((KubeYamlParser.Parsed p) -> p.key().kind())
                        .thenComparing(p -> p.key().namespace()).thenComparing(p -> p.key().name()))
                .toList();
    }
}
