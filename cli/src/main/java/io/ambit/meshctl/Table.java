package io.ambit.meshctl;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine;

/**
 * kubectl-style tables (upper-case headers, columns padded to their widest cell) laid out by
 * picocli's {@link CommandLine.Help.TextTable}, with each column as wide as its content so
 * nothing wraps.
 */
final class Table {

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String... headers) {
        this.headers = List.of(headers);
    }

    Table row(Object... cells) {
        List<String> row = new ArrayList<>();
        for (Object cell : cells) {
            row.add(cell == null ? "" : String.valueOf(cell));
        }
        rows.add(row);
        return this;
    }

    void print(PrintWriter out) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length() + 3;
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length() + 3);
            }
        }
        CommandLine.Help.TextTable table = CommandLine.Help.TextTable.forColumnWidths(
                CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF), widths);
        table.addRowValues(headers.toArray(String[]::new));
        rows.forEach(r -> table.addRowValues(r.toArray(String[]::new)));
        out.print(table.toString().lines().map(String::stripTrailing).reduce("", (a, b) -> a + b + System.lineSeparator()));
        out.flush();
    }
}
