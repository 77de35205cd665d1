package io.ambit.lab;

import java.io.IOException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sums Prometheus samples of one metric whose labels include the given ones, from a ztunnel's scrape. */
final class Prometheus {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{(.*)} ([-0-9.eE+]+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private Prometheus() {
    }

    static double sum(Lab.Ztunnel ztunnel, String metric, Map<String, String> labels) throws IOException {
        return sum(ztunnel.metricsUrl(), metric, labels);
    }

    /** The same, from any Prometheus endpoint (a waypoint's). */
    static double sum(String metricsUrl, String metric, Map<String, String> labels) throws IOException {
        String scrape = MeshProcess.get(metricsUrl);
        double total = 0;
        for (String line : scrape.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches() || !m.group(1).equals(metric)) {
                continue;
            }
            Matcher l = LABEL.matcher(m.group(2));
            Map<String, String> found = new java.util.HashMap<>();
            while (l.find()) {
                found.put(l.group(1), l.group(2));
            }
            if (found.entrySet().containsAll(labels.entrySet())) {
                total += Double.parseDouble(m.group(3));
            }
        }
        return total;
    }
}
