package io.ambit.meshctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;

/**
 * A waypoint's Envoy resources (the xds-server's {@code /debug/xds/waypoints}, Envoy's proto JSON) as
 * istioctl's {@code proxy-config} summarises them: one table per type. Reads only the fields it
 * shows; anything missing or of another shape prints as empty, never as an error, so a resource
 * Ambit adds later still lists.
 */
final class WaypointTables {

    enum Type { listeners, routes, clusters, endpoints, all }

    private WaypointTables() {
    }

    static void print(PrintWriter out, JsonNode waypoint, Type type) {
        List<Runnable> tables = new ArrayList<>();
        if (type == Type.all || type == Type.listeners) {
            tables.add(() -> listeners(waypoint.path("listeners")).print(out));
        }
        if (type == Type.all || type == Type.routes) {
            tables.add(() -> routes(waypoint.path("routes")).print(out));
        }
        if (type == Type.all || type == Type.clusters) {
            tables.add(() -> clusters(waypoint.path("clusters"), waypoint.path("endpoints")).print(out));
        }
        if (type == Type.all || type == Type.endpoints) {
            tables.add(() -> endpoints(waypoint.path("endpoints")).print(out));
        }
        for (int i = 0; i < tables.size(); i++) {
            if (i > 0) {
                out.println();
            }
            tables.get(i).run();
        }
        out.flush();
    }

    /** istioctl {@code proxy-config listener}: name, address, port, and what each listener does with a connection. */
    static Table listeners(JsonNode listeners) {
        Table t = new Table("LISTENER", "ADDRESS", "PORT", "FILTER CHAINS");
        for (JsonNode l : listeners) {
            JsonNode socket = l.path("address").path("socketAddress");
            t.row(l.path("name").asString(""), socket.path("address").asString(""), socket.path("portValue").asString("0"), chains(l));
        }
        return t;
    }

    private static String chains(JsonNode listener) {
        List<String> chains = new ArrayList<>();
        JsonNode api = listener.path("apiListener").path("apiListener");
        if (!api.isMissingNode()) {
            chains.add("HTTP: RDS " + api.path("rds").path("routeConfigName").asString("?") + " [" + filterNames(api.path("httpFilters")) + "]");
        }
        for (JsonNode chain : listener.path("filterChains")) {
            List<String> filters = new ArrayList<>();
            String to = "";
            for (JsonNode filter : chain.path("filters")) {
                filters.add(shortName(filter.path("name").asString("")));
                JsonNode cluster = filter.path("typedConfig").path("cluster");
                if (cluster.isString()) {
                    to = " -> " + cluster.asString();
                }
            }
            chains.add("TCP " + chain.path("name").asString("") + " [" + String.join(",", filters) + "]" + to);
        }
        return String.join("; ", chains);
    }

    private static String filterNames(JsonNode filters) {
        List<String> names = new ArrayList<>();
        filters.forEach(f -> names.add(shortName(f.path("name").asString(""))));
        return String.join(",", names);
    }

    /** {@code envoy.filters.http.rbac} → {@code rbac}: the part users recognise. */
    private static String shortName(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    /** istioctl {@code proxy-config route}: a row per route, with its table, virtual host, domains, match and action. */
    static Table routes(JsonNode routes) {
        Table t = new Table("ROUTE TABLE", "VIRTUAL HOST", "DOMAINS", "MATCH", "ACTION");
        for (JsonNode config : routes) {
            for (JsonNode host : config.path("virtualHosts")) {
                String domains = domains(host.path("domains"));
                for (JsonNode route : host.path("routes")) {
                    t.row(config.path("name").asString(""), host.path("name").asString(""), domains, match(route.path("match")), action(route));
                }
            }
        }
        return t;
    }

    /** The first domain and how many more (istioctl shortens them too). */
    private static String domains(JsonNode domains) {
        if (domains.isEmpty()) {
            return "";
        }
        String first = domains.get(0).asString("");
        return domains.size() == 1 ? first : first + " +" + (domains.size() - 1) + " more";
    }

    static String match(JsonNode match) {
        List<String> parts = new ArrayList<>();
        if (match.has("prefix")) {
            parts.add(match.path("prefix").asString("") + "*");
        } else if (match.has("path")) {
            parts.add(match.path("path").asString(""));
        } else if (match.has("pathSeparatedPrefix")) {
            parts.add(match.path("pathSeparatedPrefix").asString("") + "/*");
        } else if (match.has("safeRegex")) {
            parts.add("regex " + match.path("safeRegex").path("regex").asString(""));
        } else {
            parts.add("/*"); // no path specifier: Envoy's prefix "" (everything)
        }
        for (JsonNode header : match.path("headers")) {
            String name = header.path("name").asString("");
            String condition = name.equals(":method") ? "method" : "header " + name;
            parts.add((header.path("invertMatch").asBoolean(false) ? "not " : "") + condition + stringMatch(header));
        }
        for (JsonNode query : match.path("queryParameters")) {
            parts.add("query " + query.path("name").asString("") + stringMatch(query));
        }
        return String.join(" ", parts);
    }

    private static String stringMatch(JsonNode matcher) {
        if (matcher.path("presentMatch").asBoolean(false)) {
            return " present";
        }
        JsonNode m = matcher.path("stringMatch");
        if (m.has("exact")) {
            return "=" + m.path("exact").asString("");
        }
        if (m.has("prefix")) {
            return "=" + m.path("prefix").asString("") + "*";
        }
        if (m.has("suffix")) {
            return "=*" + m.path("suffix").asString("");
        }
        if (m.has("safeRegex")) {
            return "~" + m.path("safeRegex").path("regex").asString("");
        }
        return "";
    }

    static String action(JsonNode route) {
        JsonNode action = route.path("route");
        if (action.has("cluster")) {
            return action.path("cluster").asString("");
        }
        if (action.has("weightedClusters")) {
            JsonNode clusters = action.path("weightedClusters").path("clusters");
            long total = 0;
            for (JsonNode c : clusters) {
                total += c.path("weight").asLong(0);
            }
            List<String> shares = new ArrayList<>();
            for (JsonNode c : clusters) {
                long weight = c.path("weight").asLong(0);
                shares.add(c.path("name").asString("") + " " + (total == 0 ? "0" : Math.round(100.0 * weight / total)) + "%");
            }
            return String.join(", ", shares);
        }
        if (route.has("redirect")) {
            JsonNode r = route.path("redirect");
            String scheme = r.path("schemeRedirect").asString("");
            String host = r.path("hostRedirect").asString("");
            String path = r.path("pathRedirect").asString(r.path("prefixRewrite").asString(""));
            return "redirect " + (scheme.isEmpty() ? "" : scheme + "://") + host + path + " (" + r.path("responseCode").asString("MOVED_PERMANENTLY") + ")";
        }
        if (route.has("directResponse")) {
            return "direct response " + route.path("directResponse").path("status").asString("");
        }
        return "";
    }

    /** istioctl {@code proxy-config cluster}: name, discovery type, load balancer, and how many endpoints EDS gives it. */
    static Table clusters(JsonNode clusters, JsonNode endpoints) {
        Table t = new Table("CLUSTER", "TYPE", "LB", "ENDPOINTS");
        for (JsonNode c : clusters) {
            String name = c.path("name").asString("");
            String type = c.path("type").asString("STATIC"); // proto JSON leaves out the enums' defaults
            t.row(name, type, c.path("lbPolicy").asString("ROUND_ROBIN"), type.equals("EDS") ? String.valueOf(endpointCount(endpoints, name)) : "-");
        }
        return t;
    }

    private static int endpointCount(JsonNode endpoints, String cluster) {
        int n = 0;
        for (JsonNode assignment : endpoints) {
            if (assignment.path("clusterName").asString("").equals(cluster)) {
                for (JsonNode locality : assignment.path("endpoints")) {
                    n += locality.path("lbEndpoints").size();
                }
            }
        }
        return n;
    }

    /** istioctl {@code proxy-config endpoint}: each endpoint with its cluster and health as EDS states it. */
    static Table endpoints(JsonNode endpoints) {
        Table t = new Table("CLUSTER", "ENDPOINT", "HEALTH");
        for (JsonNode assignment : endpoints) {
            String cluster = assignment.path("clusterName").asString("");
            boolean any = false;
            for (JsonNode locality : assignment.path("endpoints")) {
                for (JsonNode lb : locality.path("lbEndpoints")) {
                    JsonNode socket = lb.path("endpoint").path("address").path("socketAddress");
                    // UNKNOWN (proto JSON leaves it out) is what Envoy sends traffic to as healthy
                    t.row(cluster, socket.path("address").asString("") + ":" + socket.path("portValue").asString("0"),
                            lb.path("healthStatus").asString("UNKNOWN"));
                    any = true;
                }
            }
            if (!any) {
                t.row(cluster, "(none)", "");
            }
        }
        return t;
    }
}
