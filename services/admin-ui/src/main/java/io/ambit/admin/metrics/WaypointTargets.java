package io.ambit.admin.metrics;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.ambit.admin.mesh.MeshSnapshot;
import io.ambit.admin.mesh.StoreObject;
import tools.jackson.databind.JsonNode;

/**
 * The waypoints' Prometheus pages, found the way a Prometheus set up for Istio finds them: every
 * Pod labelled {@code gateway.networking.k8s.io/gateway-name} (istiod's waypoint template labels
 * its pods so) whose Gateway is of class {@code istio-waypoint}, scraped at its pod IP on the port
 * and path of its {@code prometheus.io/port} and {@code prometheus.io/path} annotations (the
 * template's are 15020 and {@code /stats/prometheus}, the defaults here too). Read afresh from
 * each mesh snapshot, so a waypoint deployed after admin-ui started is scraped, and one deleted
 * drops out.
 */
public final class WaypointTargets {

    /** The label istiod's waypoint template puts on the Deployment's pods (and Service). */
    public static final String GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";
    static final String PORT_ANNOTATION = "prometheus.io/port";
    static final String PATH_ANNOTATION = "prometheus.io/path";
    static final String SCRAPE_ANNOTATION = "prometheus.io/scrape";
    static final int DEFAULT_PORT = 15020;
    static final String DEFAULT_PATH = "/stats/prometheus";

    /**
     * One waypoint pod to scrape, or why it cannot be.
     *
     * @param waypoint the Gateway, {@code namespace/name}
     * @param url      where its metrics are; null when {@code problem} says why there is none
     */
    public record Discovered(String name, String waypoint, URI url, String problem) {
    }

    private WaypointTargets() {
    }

    /**
     * @param host where a pod's metrics port is reached; empty: at the pod's IP (Kubernetes). The
     *             lab runs each waypoint process on the machine itself, its metrics port on loopback.
     */
    public static List<Discovered> discover(MeshSnapshot mesh, String host) {
        Set<String> waypointGateways = new TreeSet<>();
        mesh.objects("Gateway").stream().filter(g -> "istio-waypoint".equals(g.spec().path("gatewayClassName").asString("")))
                .forEach(g -> waypointGateways.add(g.key()));
        List<Discovered> out = new ArrayList<>();
        for (StoreObject pod : mesh.objects("Pod")) {
            String gateway = pod.label(GATEWAY_NAME_LABEL);
            if (gateway == null || !waypointGateways.contains(pod.namespace() + "/" + gateway)) {
                continue; // not a waypoint's pod (an ingress gateway's carries the label too)
            }
            JsonNode annotations = pod.object().path("metadata").path("annotations");
            if ("false".equals(annotations.path(SCRAPE_ANNOTATION).asString(""))) {
                continue; // opted out, as Prometheus's annotation-based job honours it
            }
            String name = "waypoint " + pod.namespace() + "/" + pod.name();
            String waypoint = pod.namespace() + "/" + gateway;
            String podIp = pod.object().path("status").path("podIP").asString("");
            if (podIp.isEmpty()) {
                continue; // not scheduled yet: nothing to scrape, and nothing wrong
            }
            try {
                out.add(new Discovered(name, waypoint, url(host.isBlank() ? podIp : host, annotations), null));
            } catch (IllegalArgumentException e) {
                out.add(new Discovered(name, waypoint, null, name + ": " + e.getMessage()));
            }
        }
        return out;
    }

    private static URI url(String host, JsonNode annotations) {
        InetAddress address;
        try {
            // an address literal only: a name in the store never makes admin-ui resolve it
            address = InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pod IP '" + host + "' is not an IP address");
        }
        int port = DEFAULT_PORT;
        String portText = annotations.path(PORT_ANNOTATION).asString("");
        if (!portText.isEmpty()) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("annotation " + PORT_ANNOTATION + " '" + portText + "' is not a port (1-65535)");
            }
        }
        String path = annotations.path(PATH_ANNOTATION).asString("");
        if (path.isEmpty()) {
            path = DEFAULT_PATH;
        }
        if (!path.startsWith("/") || path.length() > 256 || !path.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '?' && c != '#')) {
            throw new IllegalArgumentException("annotation " + PATH_ANNOTATION + " is not a path");
        }
        String literal = address instanceof java.net.Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
        return URI.create("http://" + literal + ":" + port + path);
    }
}
