package io.ambit.xds.store;

import java.util.List;

/**
 * Configuration the store refuses. Each problem names where it is: source (file), line, and the
 * field path ({@code spec.containers[0].image}). The store keeps its previous contents.
 */
public final class ConfigException extends RuntimeException {

    /** One problem: {@code source:line: field: message}. */
    public record Problem(String source, int line, String field, String message) {
        @Override
        public String toString() {
            return source + ":" + line + ": " + (field.isEmpty() ? "" : field + ": ") + message;
        }
    }

    private final List<Problem> problems;

    public ConfigException(List<Problem> problems) {
        super(String.join("\n", problems.stream().map(Problem::toString).toList()));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
