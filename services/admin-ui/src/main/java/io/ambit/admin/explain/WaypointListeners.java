package io.ambit.admin.explain;

import java.util.List;
import java.util.Optional;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.ambit.admin.upstream.AdminProperties;
import io.ambit.admin.upstream.Upstream;
import io.ambit.admin.upstream.UpstreamException;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import tools.jackson.databind.JsonNode;

/**
 * A waypoint's Envoy listeners as the xds-server serves them to it ({@code GET /debug/xds/waypoints?name=},
 * viewer), read when the explainer needs one: the listener of a service port carries the RBAC
 * filters the waypoint enforces. Read on demand, not in every snapshot: only an explanation
 * through a waypoint needs it.
 */
public final class WaypointListeners {

    /** The Any types inside a waypoint's listener (DebugController prints with the same ones). */
    private static final JsonFormat.Parser ENVOY_JSON = JsonFormat.parser().ignoringUnknownFields()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
                    .build());

    /** How the explainer asks: the listeners of a waypoint ({@code namespace/name}), empty when it has none programmed. */
    @FunctionalInterface
    public interface Lookup {
        List<Listener> listeners(String waypoint);
    }

    private WaypointListeners() {
    }

    /** The lookup through the xds-server's debug view. */
    public static Lookup from(AdminProperties properties, Upstream upstream) {
        return waypoint -> {
            JsonNode body;
            try {
                body = upstream.getJson("xds-server", properties.xdsUrl().resolve("/debug/xds/waypoints?name="
                        + java.net.URLEncoder.encode(waypoint, java.nio.charset.StandardCharsets.UTF_8)));
            } catch (UpstreamException e) {
                if (e.status() == 404) {
                    return List.of(); // not programmed: the explanation says so
                }
                throw e;
            }
            return parse(body, waypoint);
        };
    }

    /** The listeners of {@code waypoint} in the debug view's JSON. */
    public static List<Listener> parse(JsonNode body, String waypoint) {
        for (JsonNode w : body.path("waypoints")) {
            if (!w.path("name").asString().equals(waypoint)) {
                continue;
            }
            List<Listener> out = new java.util.ArrayList<>();
            for (JsonNode listener : w.path("listeners")) {
                Listener.Builder builder = Listener.newBuilder();
                try {
                    ENVOY_JSON.merge(listener.toString(), builder);
                } catch (InvalidProtocolBufferException e) {
                    throw new UpstreamException("xds-server", 200, "", "waypoint " + waypoint + "'s listener does not read: " + e.getMessage());
                }
                out.add(builder.build());
            }
            return out;
        }
        return List.of();
    }

    /** The listener serving {@code host:port}, as the waypoint names them. */
    static Optional<Listener> forService(List<Listener> listeners, String host, int port) {
        return listeners.stream().filter(l -> l.getName().equals(host + ":" + port)).findFirst();
    }
}
