package io.ambit.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code .mesh/processes}, the table {@code ./mesh status} reads (one {@code name pid health-url}
 * line per process): written whole to a temporary file and moved over the old one, so a reader
 * never sees half a table while waypoints come and go.
 */
final class ProcessTableFile {

    private final Path file;
    private final Supplier<List<String>> rows;

    ProcessTableFile(Path file, Supplier<List<String>> rows) {
        this.file = file;
        this.rows = rows;
    }

    /** Writes the current rows; called from the deployer's thread and at start-up, so one writer at a time. */
    synchronized void write() {
        try {
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temporary, String.join("\n", rows.get()) + "\n");
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file + ": " + e.getMessage(), e);
        }
    }
}
