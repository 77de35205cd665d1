package io.ambit.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./mesh status}'s table follows the processes: each write replaces the whole file. */
class ProcessTableFileTest {

    @TempDir
    Path dir;

    @Test
    void eachWriteReplacesTheTableWithTheCurrentRows() throws IOException {
        List<String> rows = new ArrayList<>(List.of("ca-service 10 http://127.0.0.1:15014/actuator/health"));
        Path file = dir.resolve("processes");
        ProcessTableFile table = new ProcessTableFile(file, () -> List.copyOf(rows));
        table.write();
        assertThat(Files.readAllLines(file)).containsExactly("ca-service 10 http://127.0.0.1:15014/actuator/health");

        rows.add("waypoint-shop-waypoint-0 42 http://127.0.0.1:40001/healthz/ready");
        table.write();
        assertThat(Files.readAllLines(file)).endsWith("waypoint-shop-waypoint-0 42 http://127.0.0.1:40001/healthz/ready");

        rows.removeLast();
        table.write();
        assertThat(Files.readAllLines(file)).containsExactly("ca-service 10 http://127.0.0.1:15014/actuator/health");
        assertThat(dir.resolve("processes.tmp")).doesNotExist();
    }

    @Test
    void aTableThatCannotBeWrittenSaysWhere() {
        ProcessTableFile table = new ProcessTableFile(dir.resolve("missing/processes"), List::of);
        assertThatThrownBy(table::write).isInstanceOf(UncheckedIOException.class).hasMessageContaining("missing/processes");
    }
}
