package io.ambit.admin.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A reader of the Prometheus text exposition format (version 0.0.4): {@code name{label="value",…} value [timestamp]},
 * comments and blank lines skipped, label values unescaped ({@code \\}, {@code \"}, {@code \n}).
 * Only the series whose name {@code wanted} accepts are kept, so a proxy's hundreds of JVM series
 * cost nothing. A malformed line is skipped and counted, never fatal: one bad exporter line must
 * not blank the graph.
 */
public final class PrometheusText {

    /** One sample: a series and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public Sample {
            labels = Map.copyOf(labels);
        }

        public String label(String name) {
            return labels.getOrDefault(name, "");
        }
    }

    /** The samples kept and how many lines were malformed. */
    public record Parsed(List<Sample> samples, int malformed) {
        public Parsed {
            samples = List.copyOf(samples);
        }
    }

    /** Longer lines are refused (a label set of this size is not a metric, it is an attack or a bug). */
    static final int MAX_LINE = 64 * 1024;

    private PrometheusText() {
    }

    public static Parsed parse(String text, Predicate<String> wanted) {
        List<Sample> samples = new ArrayList<>();
        int malformed = 0;
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            String line = text.substring(start, end).strip();
            start = end + 1;
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            if (line.length() > MAX_LINE) {
                malformed++;
                continue;
            }
            int nameEnd = 0;
            while (nameEnd < line.length() && isNameChar(line.charAt(nameEnd))) {
                nameEnd++;
            }
            String name = line.substring(0, nameEnd);
            if (name.isEmpty()) {
                malformed++;
                continue;
            }
            if (!wanted.test(name)) {
                continue;
            }
            try {
                samples.add(sample(name, line, nameEnd));
            } catch (IllegalArgumentException e) {
                malformed++;
            }
        }
        return new Parsed(samples, malformed);
    }

    private static Sample sample(String name, String line, int at) {
        Map<String, String> labels = new TreeMap<>();
        int i = at;
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == ',')) {
                    i++;
                }
                if (i >= line.length()) {
                    throw new IllegalArgumentException("unterminated label set");
                }
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int keyStart = i;
                while (i < line.length() && isNameChar(line.charAt(i))) {
                    i++;
                }
                String key = line.substring(keyStart, i);
                if (key.isEmpty() || i + 1 >= line.length() || line.charAt(i) != '=' || line.charAt(i + 1) != '"') {
                    throw new IllegalArgumentException("bad label");
                }
                i += 2;
                StringBuilder value = new StringBuilder();
                while (true) {
                    if (i >= line.length()) {
                        throw new IllegalArgumentException("unterminated label value");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        if (i >= line.length()) {
                            throw new IllegalArgumentException("dangling escape");
                        }
                        char e = line.charAt(i++);
                        value.append(e == 'n' ? '\n' : e);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
            }
        }
        String[] rest = line.substring(i).strip().split("\\s+");
        if (rest.length < 1 || rest[0].isEmpty()) {
            throw new IllegalArgumentException("no value");
        }
        double value = switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]); // NumberFormatException is an IllegalArgumentException
        };
        return new Sample(name, labels, value);
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
    }
}
