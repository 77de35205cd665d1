package io.ambit.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupCacheTest {

    @TempDir
    Path dir;

    @Test
    void withoutACacheAServiceStartsFromItsJar() throws IOException {
        Path jar = Files.writeString(dir.resolve("ca-service.jar"), "not really a jar");

        assertThat(new StartupCache(dir.resolve("aot")).launch("ca-service", jar)).containsExactly("-jar", jar.toString());
    }

    /** A jar that is not a Boot jar cannot be extracted: reported, and that service simply starts from its jar. */
    @Test
    void aCacheThatCannotBeBuiltIsReportedAndLeavesTheJar() throws IOException {
        Path jar = Files.writeString(dir.resolve("broken.jar"), "not a jar");
        StartupCache cache = new StartupCache(dir.resolve("aot"));

        Map<String, String> failed = cache.prepare(Map.of("broken", new StartupCache.Training(jar, List.of())));

        assertThat(failed).containsOnlyKeys("broken");
        assertThat(failed.get("broken")).contains("broken extract failed");
        assertThat(cache.launch("broken", jar)).containsExactly("-jar", jar.toString());
    }
}
