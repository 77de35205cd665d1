package io.ambit.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Grafana dashboard of {@code k8s/dashboards/}, read as Grafana reads it: every PromQL
 * expression of its panels' targets is parsed (brackets, strings and label matchers must be well
 * formed, or {@link #metrics()} throws) and the metric names it queries are collected, with those
 * of its {@code label_values(metric, label)} variables. A service's test checks them against a real
 * scrape ({@link #missingFrom(String)}), so a dashboard cannot query what nothing exports.
 */
public final class GrafanaDashboard {

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "inf", "nan");
    private static final Set<String> LABEL_LIST_KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,");

    private final Path file;
    private final JsonNode json;

    private GrafanaDashboard(Path file, JsonNode json) {
        this.file = file;
        this.json = json;
    }

    /** @param name the file name in {@code k8s/dashboards/}, found from the module's directory upwards */
    public static GrafanaDashboard load(String name) throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("k8s/dashboards"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IOException("no k8s/dashboards above " + Path.of("").toAbsolutePath());
        }
        Path file = dir.resolve("k8s/dashboards").resolve(name);
        return new GrafanaDashboard(file, JsonMapper.builder().build().readTree(file.toFile()));
    }

    /**
     * A dashboard from its JSON text (as a ConfigMap carries it); strict: the text must be one JSON
     * object with panels, and its queries parse ({@link #metrics()}).
     */
    public static GrafanaDashboard parse(String name, String json) {
        JsonNode tree = JsonMapper.builder().build().readTree(json);
        if (!tree.isObject() || !tree.path("panels").isArray() || tree.path("panels").isEmpty()) {
            throw new IllegalArgumentException(name + ": not a Grafana dashboard (no panels)");
        }
        GrafanaDashboard dashboard = new GrafanaDashboard(Path.of(name), tree);
        dashboard.metrics();
        return dashboard;
    }

    /** Every PromQL expression of the panels' targets. */
    public List<String> expressions() {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : json.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) {
                    out.add(target.get("expr").asString());
                }
            }
        }
        return out;
    }

    /** The metric names the dashboard queries (panels and variables). */
    public Set<String> metrics() {
        Set<String> out = new TreeSet<>();
        for (String expr : expressions()) {
            out.addAll(metricsOf(expr));
        }
        for (JsonNode variable : json.path("templating").path("list")) {
            if (variable.path("type").asString("").equals("query")) {
                String query = variable.path("query").isObject() ? variable.path("query").path("query").asString("")
                        : variable.path("query").asString("");
                Matcher m = LABEL_VALUES.matcher(query);
                if (!m.find()) {
                    throw new IllegalArgumentException(file + ": variable " + variable.path("name").asString()
                            + " is not label_values(metric, label): " + query);
                }
                out.add(m.group(1));
            }
        }
        return out;
    }

    /** The metrics the dashboard queries that {@code scrape} (Prometheus text format) has no sample of. */
    public Set<String> missingFrom(String scrape) {
        return missingFrom(scrape, metric -> true);
    }

    /**
     * The metrics the dashboard queries that {@code exportedHere} says this service exports, and that
     * {@code scrape} has no sample of: for a dashboard over two services (the control plane's xds-server
     * and ca-service), each service's test checks its share and together they cover every query.
     */
    public Set<String> missingFrom(String scrape, java.util.function.Predicate<String> exportedHere) {
        Set<String> exported = new LinkedHashSet<>();
        scrape.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(l -> {
            int end = 0;
            while (end < l.length() && l.charAt(end) != '{' && l.charAt(end) != ' ') {
                end++;
            }
            exported.add(l.substring(0, end));
        });
        Set<String> missing = new TreeSet<>(metrics());
        missing.removeIf(metric -> !exportedHere.test(metric));
        missing.removeAll(exported);
        return missing;
    }

    /**
     * The metric names of one PromQL expression: identifiers that are not functions (followed by
     * {@code (}), keywords, label names of {@code by (…)}-like lists or of {@code {…}} matchers,
     * durations or numbers.
     *
     * @throws IllegalArgumentException when brackets, strings or matchers are malformed
     */
    public static Set<String> metricsOf(String expr) {
        Set<String> metrics = new TreeSet<>();
        List<Character> open = new ArrayList<>();
        boolean labelList = false; // inside by (…) and the like
        int i = 0;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"' || c == '\'' || c == '`') {
                i = endOfString(expr, i);
            } else if (c == '{') {
                i = endOfMatchers(expr, i);
            } else if (c == '[') {
                int close = expr.indexOf(']', i);
                if (close < 0 || !expr.substring(i + 1, close).matches("\\s*\\d+[smhdwy](\\s*:\\s*(\\d+[smhdwy])?)?\\s*")) {
                    throw new IllegalArgumentException("malformed range at " + i + " of: " + expr);
                }
                i = close + 1;
            } else if (c == '(') {
                open.add('(');
                i++;
            } else if (c == ')') {
                if (open.isEmpty()) {
                    throw new IllegalArgumentException("unbalanced ')' at " + i + " of: " + expr);
                }
                open.removeLast();
                labelList = false;
                i++;
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_' || expr.charAt(i) == ':')) {
                    i++;
                }
                String word = expr.substring(start, i);
                int next = i;
                while (next < expr.length() && Character.isWhitespace(expr.charAt(next))) {
                    next++;
                }
                // an aggregation may put its grouping first: sum by (le) (…)
                boolean call = next < expr.length() && expr.charAt(next) == '('
                        || expr.startsWith("by", next) || expr.startsWith("without", next);
                if (LABEL_LIST_KEYWORDS.contains(word)) {
                    if (!call) {
                        throw new IllegalArgumentException("'" + word + "' without a label list in: " + expr);
                    }
                    labelList = true;
                } else if (!call && !labelList && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                    metrics.add(word);
                }
            } else if (Character.isDigit(c) || c == '.') {
                while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.')) {
                    i++;
                }
            } else if ("+-*/%^=!<>,".indexOf(c) >= 0) {
                i++;
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + i + " of: " + expr);
            }
        }
        if (!open.isEmpty()) {
            throw new IllegalArgumentException("unbalanced '(' in: " + expr);
        }
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException("queries no metric: " + expr);
        }
        return metrics;
    }

    private static int endOfString(String expr, int start) {
        char quote = expr.charAt(start);
        for (int i = start + 1; i < expr.length(); i++) {
            if (expr.charAt(i) == '\\' && quote != '`') {
                i++;
            } else if (expr.charAt(i) == quote) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("unterminated string at " + start + " of: " + expr);
    }

    /** {@code {label op "value", …}}: each matcher a label name, one of = != =~ !~, and a string. */
    private static int endOfMatchers(String expr, int start) {
        Pattern matcher = Pattern.compile("\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*(=~|!~|!=|=)\\s*");
        int i = start + 1;
        while (true) {
            while (i < expr.length() && Character.isWhitespace(expr.charAt(i))) {
                i++;
            }
            if (i < expr.length() && expr.charAt(i) == '}') {
                return i + 1;
            }
            Matcher m = matcher.matcher(expr).region(i, expr.length());
            if (!m.lookingAt() || m.end() >= expr.length() || "\"'`".indexOf(expr.charAt(m.end())) < 0) {
                throw new IllegalArgumentException("malformed label matcher at " + i + " of: " + expr);
            }
            i = endOfString(expr, m.end());
            while (i < expr.length() && Character.isWhitespace(expr.charAt(i))) {
                i++;
            }
            if (i < expr.length() && expr.charAt(i) == ',') {
                i++;
            } else if (i >= expr.length() || expr.charAt(i) != '}') {
                throw new IllegalArgumentException("malformed label matchers at " + i + " of: " + expr);
            }
        }
    }
}
