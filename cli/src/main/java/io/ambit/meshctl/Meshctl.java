package io.ambit.meshctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * meshctl, as istioctl users expect it: noun-verb subcommands, tables by default, {@code -o json},
 * the bad word named with the valid choices (picocli), HTTP errors reported as what they are, and
 * no stack trace. Everything goes through admin-ui's REST API ({@link AdminClient}), but {@code debug},
 * which reads the xds-server's debug views.
 */
@Command(name = "meshctl", mixinStandardHelpOptions = true, versionProvider = Meshctl.Versions.class,
        description = "Ambit's istioctl: inspect and change the mesh through admin-ui's REST API.",
        subcommands = {Meshctl.ZtunnelConfig.class, Meshctl.Experimental.class, Meshctl.Analyze.class, Meshctl.Explain.class,
                Meshctl.Waypoint.class, Meshctl.Debug.class, Meshctl.Version.class, CommandLine.HelpCommand.class})
public final class Meshctl implements Runnable {

    static final String VERSION = "0.1.0-SNAPSHOT";

    AdminClient client;
    AdminClient xds;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed");
    }

    public static void main(String[] args) {
        System.exit(run(AdminClient.fromEnvironment(), AdminClient.xdsServerFromEnvironment(), new PrintWriter(System.out, true),
                new PrintWriter(System.err, true), args));
    }

    public static int run(AdminClient client, PrintWriter out, PrintWriter err, String... args) {
        return run(client, AdminClient.xdsServerFromEnvironment(), out, err, args);
    }

    /** Runs one command line; the exit status: 0, 1 on a failure, 2 on a usage error, 79 when analyze finds errors. */
    public static int run(AdminClient client, AdminClient xds, PrintWriter out, PrintWriter err, String... args) {
        Meshctl root = new Meshctl();
        root.client = client;
        root.xds = xds;
        CommandLine line = new CommandLine(root).setOut(out).setErr(err).setCaseInsensitiveEnumValuesAllowed(true);
        line.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof MeshctlException m) {
                command.getErr().println("meshctl: " + m.getMessage());
                command.getErr().flush();
                return m.exitCode();
            }
            command.getErr().println("meshctl: BUG: " + e);
            command.getErr().flush();
            return 70;
        });
        return line.execute(args);
    }

    enum Output { table, json }

    /** {@code -o table|json}. */
    static final class OutputOption {
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
                description = "table (default) or json; valid: ${COMPLETION-CANDIDATES}")
        Output output;

        boolean json() {
            return output == Output.json;
        }
    }

    static void printJson(PrintWriter out, JsonNode node) {
        out.println(AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        out.flush();
    }

    abstract static class Sub implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        Meshctl root() {
            CommandLine line = spec.commandLine();
            while (line.getParent() != null) {
                line = line.getParent();
            }
            return (Meshctl) line.getCommand();
        }

        AdminClient client() {
            return root().client;
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    // ---- ztunnel-config ------------------------------------------------------------------------

    enum ZtunnelView { workloads, services, policies, certificates }

    @Command(name = "ztunnel-config", mixinStandardHelpOptions = true,
            description = "What the ztunnels hold: workloads, services, policies (L4, as translated for them) or certificates.")
    static final class ZtunnelConfig extends Sub {
        @Parameters(index = "0", paramLabel = "TYPE", description = "one of: ${COMPLETION-CANDIDATES}")
        ZtunnelView view;

        @Option(names = "--node", paramLabel = "NODE", description = "as the ztunnel on NODE sees it: its workloads, the services "
                + "with an endpoint there, the L4 policies it enforces for its workloads, its certificates")
        String node;

        @Mixin
        OutputOption output = new OutputOption();

        @Override
        public Integer call() {
            Map<String, String> query = new LinkedHashMap<>();
            query.put("node", node);
            switch (view) {
                case workloads -> {
                    JsonNode list = client().get("workloads", query);
                    if (output.json()) {
                        printJson(out(), list);
                        break;
                    }
                    Table t = new Table("NAMESPACE", "POD NAME", "ADDRESS", "NODE", "WAYPOINT", "PROTOCOL");
                    list.forEach(w -> t.row(w.path("namespace").asString(), w.path("name").asString(), join(w.path("addresses")),
                            w.path("node").asString(), w.path("waypoint").asString("None"), w.path("captured").asBoolean() ? "HBONE" : "TCP"));
                    t.print(out());
                }
                case services -> {
                    JsonNode list = client().get("services", query);
                    if (output.json()) {
                        printJson(out(), list);
                        break;
                    }
                    Table t = new Table("NAMESPACE", "SERVICE NAME", "SERVICE VIP", "WAYPOINT", "ENDPOINTS");
                    list.forEach(s -> t.row(s.path("namespace").asString(), s.path("name").asString(), join(s.path("vips")),
                            s.path("waypoint").asString("None"), s.path("endpoints").size()));
                    t.print(out());
                }
                case policies -> {
                    JsonNode list = client().get("policies", query);
                    List<JsonNode> translated = new ArrayList<>();
                    list.forEach(p -> p.path("translated").forEach(x -> translated.add(x.path("l4"))));
                    if (output.json()) {
                        printJson(out(), AdminClient.JSON.valueToTree(translated));
                        break;
                    }
                    Table t = new Table("NAMESPACE", "POLICY NAME", "ACTION", "SCOPE");
                    translated.forEach(p -> t.row(p.path("namespace").asString(), p.path("name").asString(),
                            p.path("action").asString("ALLOW"), p.path("scope").asString("GLOBAL")));
                    t.print(out());
                }
                case certificates -> {
                    JsonNode list = client().get("certificates", query);
                    if (output.json()) {
                        printJson(out(), list);
                        break;
                    }
                    Table t = new Table("NODE", "CERTIFICATE NAME", "TYPE", "STATUS", "VALID CERT", "SERIAL NUMBER", "NOT AFTER", "NOT BEFORE");
                    list.forEach(c -> t.row(c.path("node").asString(), c.path("identity").asString(), "Leaf",
                            c.path("state").asString().equals("available") ? "Available" : "Pending",
                            c.path("remainingSeconds").asLong() > 0, c.path("serialNumber").asString(), c.path("notAfter").asString(),
                            c.path("notBefore").asString()));
                    t.print(out());
                }
            }
            return 0;
        }
    }

    static String join(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return String.join(",", values);
    }

    // ---- x describe ----------------------------------------------------------------------------

    @Command(name = "x", mixinStandardHelpOptions = true, description = "Experimental commands.",
            subcommands = {Describe.class})
    static final class Experimental implements Runnable {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: describe");
        }
    }

    enum DescribeKind { pod, service }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "A pod's or a service's enrolment, identity, waypoint and the policies that apply.")
    static final class Describe extends Sub {
        @Parameters(index = "0", paramLabel = "KIND", description = "one of: ${COMPLETION-CANDIDATES}")
        DescribeKind kind;

        @Parameters(index = "1", paramLabel = "NAME", description = "NAME, or NAMESPACE/NAME")
        String name;

        @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "the namespace (default: ${DEFAULT-VALUE})")
        String namespace;

        @Mixin
        OutputOption output = new OutputOption();

        @Override
        public Integer call() {
            String ns = namespace;
            String n = name;
            if (name.contains("/")) {
                ns = name.substring(0, name.indexOf('/'));
                n = name.substring(name.indexOf('/') + 1);
            }
            JsonNode d = client().get((kind == DescribeKind.pod ? "workloads/" : "services/") + ns + "/" + n);
            if (output.json()) {
                printJson(out(), d);
                return 0;
            }
            PrintWriter out = out();
            if (kind == DescribeKind.pod) {
                JsonNode w = d.path("workload");
                out.println("Pod: " + w.path("name").asString());
                out.println("   Namespace: " + w.path("namespace").asString());
                out.println("   Node: " + w.path("node").asString());
                out.println("   Address: " + join(w.path("addresses")));
                out.println("   Ambient: " + (w.path("captured").asBoolean() ? "enrolled (HBONE; captured by its node's ztunnel)" : "not enrolled (plain TCP)"));
                out.println("   Service account: " + w.path("serviceAccount").asString());
                out.println("   Identity: " + w.path("identity").asString());
                out.println("   Waypoint: " + w.path("waypoint").asString("none"));
                out.println("   L4 policies that apply (in ztunnel's order):");
                if (d.path("policies").isEmpty()) {
                    out.println("      none: every connection is allowed at L4");
                }
                d.path("policies").forEach(p -> out.println("      " + p.path("name").asString() + " (" + p.path("action").asString()
                        + ", " + p.path("scope").asString() + (p.path("dryRun").asBoolean() ? ", dry-run" : "") + ")"));
                d.path("certificates").forEach(c -> out.println("   Certificate (" + c.path("node").asString() + "): serial "
                        + c.path("serialNumber").asString() + ", expires " + c.path("notAfter").asString()));
            } else {
                JsonNode s = d.path("service");
                out.println("Service: " + s.path("name").asString());
                out.println("   Namespace: " + s.path("namespace").asString());
                out.println("   Hostname: " + s.path("hostname").asString());
                out.println("   VIPs: " + join(s.path("vips")));
                List<String> ports = new ArrayList<>();
                s.path("ports").forEach(p -> ports.add(p.path("port").asInt() + "->" + p.path("targetPort").asInt()));
                out.println("   Ports: " + String.join(", ", ports));
                out.println("   Waypoint: " + s.path("waypoint").asString("none"));
                out.println("   Endpoints:");
                d.path("endpoints").forEach(w -> out.println("      " + w.path("namespace").asString() + "/" + w.path("name").asString()
                        + " " + join(w.path("addresses")) + " on " + w.path("node").asString()));
                out.println("   Routes: " + (d.path("routes").isEmpty() ? "none" : ""));
                d.path("routes").forEach(r -> out.println("      " + r.path("kind").asString() + " " + r.path("namespace").asString() + "/"
                        + r.path("name").asString() + " accepted=" + r.path("accepted").asString()));
                out.println("   L7 policies (targetRefs): " + (d.path("policies").isEmpty() ? "none" : join(d.path("policies"))));
            }
            out.flush();
            return 0;
        }
    }

    // ---- analyze -------------------------------------------------------------------------------

    @Command(name = "analyze", mixinStandardHelpOptions = true,
            description = "Cross-object validations (Kiali-style) and translation findings. Exit status 79 when errors are found, as istioctl's.")
    static final class Analyze extends Sub {
        @Mixin
        OutputOption output = new OutputOption();

        @Override
        public Integer call() {
            JsonNode list = client().get("validations");
            if (output.json()) {
                printJson(out(), list);
            } else if (list.isEmpty()) {
                out().println("✔ No validation issues found when analyzing the mesh.");
            } else {
                list.forEach(v -> out().println((v.path("severity").asString().equals("error") ? "Error" : "Warning") + " ["
                        + v.path("code").asString() + "] " + (v.path("kind").asString().isEmpty() ? "" : v.path("kind").asString() + " "
                        + (v.path("namespace").asString().isEmpty() ? "" : v.path("namespace").asString() + "/") + v.path("name").asString() + ": ")
                        + v.path("message").asString()));
            }
            out().flush();
            boolean errors = list.valueStream().anyMatch(v -> v.path("severity").asString().equals("error"));
            return errors ? 79 : 0;
        }
    }

    // ---- explain -------------------------------------------------------------------------------

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = "Can FROM reach TO on PORT: the path (direct or via a waypoint) and which policy decides at each hop.")
    static final class Explain extends Sub {
        @Parameters(index = "0", paramLabel = "FROM", description = "NAMESPACE/POD or a pod IP")
        String from;

        @Parameters(index = "1", paramLabel = "TO:PORT", description = "NAMESPACE/SERVICE:PORT, NAMESPACE/POD:PORT or IP:PORT")
        String to;

        @Option(names = "--method", paramLabel = "METHOD", description = "the HTTP method a waypoint on the path decides on (default GET)")
        String method;

        @Option(names = "--path", paramLabel = "PATH", description = "the HTTP path a waypoint on the path decides on (default /)")
        String path;

        @Option(names = {"-H", "--header"}, paramLabel = "NAME:VALUE", description = "a request header for the waypoint's decision (repeatable)")
        List<String> headers = new ArrayList<>();

        @Mixin
        OutputOption output = new OutputOption();

        @Override
        public Integer call() {
            int colon = to.lastIndexOf(':');
            if (colon <= 0 || colon == to.length() - 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "TO:PORT must end with a port, e.g. demo/echo:80; got '" + to + "'");
            }
            Map<String, String> query = new LinkedHashMap<>();
            query.put("from", from);
            query.put("to", to.substring(0, colon));
            query.put("port", to.substring(colon + 1));
            query.put("method", method);
            query.put("path", path);
            List<Map.Entry<String, String>> pairs = new ArrayList<>(query.entrySet());
            headers.forEach(h -> pairs.add(Map.entry("header", h)));
            JsonNode x = client().get("explain", pairs);
            if (output.json()) {
                printJson(out(), x);
                return x.path("allowed").asBoolean() ? 0 : 1;
            }
            PrintWriter out = out();
            out.println((x.path("allowed").asBoolean() ? "ALLOWED" : "DENIED") + ": " + x.path("from").asString() + " -> "
                    + x.path("to").asString() + ":" + x.path("port").asInt() + " (" + x.path("path").asString() + ")");
            Table t = new Table("HOP", "PEER IDENTITY", "DESTINATION", "DECISION", "POLICIES");
            x.path("hops").forEach(h -> t.row(h.path("at").asString(), h.path("peer").asString().isEmpty() ? "(plain text)" : h.path("peer").asString(),
                    h.path("destination").asString(), h.path("reason").asString(), h.path("considered").isEmpty() ? "none" : join(h.path("considered"))));
            t.print(out);
            JsonNode route = x.path("route");
            if (route.isObject()) {
                // the waypoint's routing, as its own route matching decides it
                out.println();
                out.println("ROUTE (waypoint, table " + route.path("table").asString() + "): " + (route.path("matched").asBoolean()
                        ? route.path("rule").asString() + " from " + route.path("origin").asString() : "none") + ": " + route.path("outcome").asString());
                if (!route.path("backends").isEmpty()) {
                    Table backends = new Table("BACKEND", "SERVICE", "PORT", "WEIGHT", "SHARE");
                    route.path("backends").forEach(b -> backends.row(b.path("cluster").asString(),
                            b.path("service").asString().isEmpty() ? "(unknown)" : b.path("service").asString(),
                            String.valueOf(b.path("port").asInt()), String.valueOf(b.path("weight").asInt()), b.path("percent").asInt() + "%"));
                    backends.print(out);
                }
                route.path("applies").forEach(a -> out.println("  " + a.asString()));
            }
            x.path("notes").forEach(n -> out.println("note: " + n.asString()));
            out.flush();
            return x.path("allowed").asBoolean() ? 0 : 1;
        }
    }

    // ---- waypoint ------------------------------------------------------------------------------

    @Command(name = "waypoint", mixinStandardHelpOptions = true, description = "Waypoint proxies (Gateways of class istio-waypoint).",
            subcommands = {WaypointApply.class, WaypointList.class, WaypointDelete.class})
    static final class Waypoint implements Runnable {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: apply, list or delete");
        }
    }

    enum WaypointFor { service, workload, all, none }

    /** The Gateway istioctl's {@code waypoint apply} creates: class istio-waypoint, listener mesh 15008 HBONE. */
    static String gateway(String namespace, String name, WaypointFor forWhat) {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: %s
                  namespace: %s
                  labels:
                    istio.io/waypoint-for: %s
                spec:
                  gatewayClassName: istio-waypoint
                  listeners:
                  - name: mesh
                    port: 15008
                    protocol: HBONE
                """.formatted(name, namespace, forWhat);
    }

    @Command(name = "apply", mixinStandardHelpOptions = true, description = "Create or replace a waypoint in a namespace.")
    static final class WaypointApply extends Sub {
        @Option(names = {"-n", "--namespace"}, required = true, description = "the namespace")
        String namespace;

        @Option(names = "--name", defaultValue = "waypoint", description = "the waypoint's name (default: ${DEFAULT-VALUE})")
        String name;

        @Option(names = "--for", defaultValue = "service", paramLabel = "TRAFFIC",
                description = "which traffic it serves: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
        WaypointFor forWhat;

        @Override
        public Integer call() {
            client().postYaml("apply?source=meshctl-waypoint", gateway(namespace, name, forWhat));
            out().println("waypoint " + namespace + "/" + name + " applied");
            out().flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The waypoints, what they serve and whether they are programmed.")
    static final class WaypointList extends Sub {
        @Option(names = {"-n", "--namespace"}, description = "only this namespace")
        String namespace;

        @Mixin
        OutputOption output = new OutputOption();

        @Override
        public Integer call() {
            JsonNode list = client().get("waypoints");
            List<JsonNode> shown = list.valueStream().filter(w -> namespace == null || w.path("namespace").asString().equals(namespace)).toList();
            if (output.json()) {
                printJson(out(), AdminClient.JSON.valueToTree(shown));
                return 0;
            }
            if (shown.isEmpty()) {
                out().println("No waypoints found" + (namespace == null ? "." : " in namespace " + namespace + "."));
                out().flush();
                return 0;
            }
            Table t = new Table("NAMESPACE", "NAME", "TRAFFIC TYPE", "PROGRAMMED", "SERVICES", "PODS");
            shown.forEach(w -> t.row(w.path("namespace").asString(), w.path("name").asString(), w.path("waypointFor").asString(),
                    w.path("programmed").asString(), join(w.path("services")), join(w.path("pods"))));
            t.print(out());
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a waypoint.")
    static final class WaypointDelete extends Sub {
        @Parameters(index = "0", paramLabel = "NAME", defaultValue = "waypoint", description = "the waypoint (default: ${DEFAULT-VALUE})")
        String name;

        @Option(names = {"-n", "--namespace"}, required = true, description = "the namespace")
        String namespace;

        @Override
        public Integer call() {
            JsonNode answer = client().postYaml("delete?source=meshctl-waypoint", gateway(namespace, name, WaypointFor.service));
            if (answer.path("deleted").isEmpty()) {
                throw new MeshctlException("no waypoint " + namespace + "/" + name + " to delete");
            }
            out().println("waypoint " + namespace + "/" + name + " deleted");
            out().flush();
            return 0;
        }
    }

    // ---- debug ---------------------------------------------------------------------------------

    @Command(name = "debug", mixinStandardHelpOptions = true, description = "The xds-server's debug views.",
            subcommands = {DebugWaypoint.class})
    static final class Debug implements Runnable {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: waypoint");
        }
    }

    @Command(name = "waypoint", mixinStandardHelpOptions = true,
            description = {"A waypoint's Envoy resources as the xds-server serves them (LDS, RDS, CDS, EDS), decoded:",
                    "a table per type, as istioctl proxy-config shows them, or Envoy's JSON with -o json."})
    static final class DebugWaypoint extends Sub {
        @Parameters(index = "0", arity = "0..1", paramLabel = "NAMESPACE/NAME", description = "one waypoint (default: every programmed one)")
        String name;

        @Option(names = {"-t", "--type"}, defaultValue = "all", paramLabel = "TYPE",
                description = "which resources: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
        WaypointTables.Type type;

        @Mixin
        OutputOption output = new OutputOption();

        @Override
        public Integer call() {
            if (name != null && !name.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "NAMESPACE/NAME wants a waypoint such as demo/waypoint, not '"
                        + name + "'");
            }
            JsonNode answer = root().xds.get("debug/xds/waypoints", name == null ? Map.of() : Map.of("name", name));
            JsonNode waypoints = answer.path("waypoints");
            if (output.json()) {
                printJson(out(), type == WaypointTables.Type.all ? answer : only(answer, type));
                return 0;
            }
            if (waypoints.isEmpty()) {
                out().println("No programmed waypoints (generation " + answer.path("generation").asString("?") + ").");
                out().flush();
                return 0;
            }
            boolean first = true;
            for (JsonNode waypoint : waypoints) {
                if (!first) {
                    out().println();
                }
                first = false;
                out().println("WAYPOINT " + waypoint.path("name").asString("") + " (generation " + answer.path("generation").asString("?") + ")");
                out().println();
                WaypointTables.print(out(), waypoint, type);
            }
            out().flush();
            return 0;
        }

        /** The answer with each waypoint's resources of one type only. */
        private static JsonNode only(JsonNode answer, WaypointTables.Type type) {
            if (!(answer.deepCopy() instanceof tools.jackson.databind.node.ObjectNode copy)) {
                throw new MeshctlException("the xds-server's answer is not a JSON object: " + answer.getNodeType());
            }
            for (JsonNode waypoint : copy.path("waypoints")) {
                if (waypoint instanceof tools.jackson.databind.node.ObjectNode object) {
                    object.retain("name", type.name());
                }
            }
            return copy;
        }
    }

    // ---- version -------------------------------------------------------------------------------

    @Command(name = "version", mixinStandardHelpOptions = true, description = "meshctl's version and admin-ui's.")
    static final class Version extends Sub {
        @Override
        public Integer call() {
            out().println("client version: " + VERSION);
            out().flush();
            JsonNode server = client().get("version");
            out().println("admin-ui version: " + server.path("version").asString() + " (API " + server.path("api").asString() + ")");
            out().flush();
            return 0;
        }
    }

    static final class Versions implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"meshctl " + VERSION};
        }
    }
}
