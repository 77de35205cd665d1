package io.ambit.proxyless;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.ambit.identity.WorkloadIdentity;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The pod the client acts as, as the control plane's store knows it: where it runs (its node's
 * token is what the CA's node rule accepts for its identity), its address and service account.
 */
record MeshPod(String namespace, String name, InetAddress ip, String node, String serviceAccount) {

    WorkloadIdentity identity(String trustDomain) {
        return new WorkloadIdentity(trustDomain, namespace, serviceAccount);
    }

    /** Istio's proxyless node id: {@code sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local}. */
    String nodeId() {
        return "sidecar~" + ip.getHostAddress() + "~" + name + "." + namespace + "~" + namespace + ".svc.cluster.local";
    }

    /** Reads the pod from the store API ({@code GET /store/export?kind=Pod}, admin token). */
    static MeshPod lookUp(URI store, String token, String namespace, String name) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(store.resolve("/store/export?kind=Pod"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IOException("cannot reach the store at " + store + ": is ./mesh up running?", e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("the store at " + store + " answered " + response.statusCode() + " to GET /store/export?kind=Pod");
        }
        return find(response.body(), namespace, name);
    }

    /** The pod {@code namespace/name} in a store export; a pod that is missing or has no IP yet is an error naming it. */
    static MeshPod find(String exportJson, String namespace, String name) throws IOException {
        JsonNode objects;
        try {
            objects = JsonMapper.shared().readTree(exportJson).path("objects");
        } catch (JacksonException e) {
            throw new IOException("the store's answer is not JSON: " + e.getOriginalMessage());
        }
        for (JsonNode entry : objects) {
            JsonNode pod = entry.path("object");
            JsonNode meta = pod.path("metadata");
            if (!name.equals(meta.path("name").asString("")) || !namespace.equals(meta.path("namespace").asString("default"))) {
                continue;
            }
            String ip = pod.path("status").path("podIP").asString("");
            String node = pod.path("spec").path("nodeName").asString("");
            if (ip.isEmpty() || node.isEmpty()) {
                throw new IOException("pod " + namespace + "/" + name + " has no IP or node yet");
            }
            String account = pod.path("spec").path("serviceAccountName").asString("default");
            InetAddress address;
            try {
                address = InetAddress.ofLiteral(ip);
            } catch (IllegalArgumentException e) {
                throw new IOException("pod " + namespace + "/" + name + " has no usable IP: '" + ip + "'");
            }
            return new MeshPod(namespace, name, address, node, account.isEmpty() ? "default" : account);
        }
        throw new IOException("no pod " + namespace + "/" + name + " in the store (./meshctl get Pod lists them)");
    }
}
