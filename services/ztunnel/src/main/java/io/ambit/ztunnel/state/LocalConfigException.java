package io.ambit.ztunnel.state;

import java.util.List;

/**
 * A local config file that ztunnel refuses as a whole: not readable, too large, not YAML of the
 * expected shape, or with entries that do not parse or validate. Each problem names the entry
 * ({@code workloads[2] (line 14)}) and, where it can, the field.
 */
public final class LocalConfigException extends Exception {

    /** The message lists at most this many problems; {@link #problems()} has them all. */
    private static final int SHOWN = 20;

    private final List<String> problems;

    public LocalConfigException(String source, List<String> problems) {
        super(message(source, problems));
        this.problems = List.copyOf(problems);
    }

    public LocalConfigException(String source, String problem, Throwable cause) {
        super(message(source, List.of(problem)), cause);
        this.problems = List.of(problem);
    }

    public List<String> problems() {
        return problems;
    }

    private static String message(String source, List<String> problems) {
        StringBuilder text = new StringBuilder("local config ").append(source).append(" refused");
        if (problems.size() == 1) {
            return text.append(": ").append(problems.getFirst()).toString();
        }
        text.append(" (").append(problems.size()).append(" problems):");
        problems.stream().limit(SHOWN).forEach(p -> text.append("\n  ").append(p));
        if (problems.size() > SHOWN) {
            text.append("\n  … and ").append(problems.size() - SHOWN).append(" more");
        }
        return text.toString();
    }
}
