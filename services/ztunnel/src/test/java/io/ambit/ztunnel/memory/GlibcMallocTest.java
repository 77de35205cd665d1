package io.ambit.ztunnel.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Linker;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GlibcMallocTest {

    @BeforeEach
    void glibcOnly() {
        boolean glibc = Linker.nativeLinker().defaultLookup().find("gnu_get_libc_version").isPresent();
        if (!glibc) {
            System.out.println("GlibcMallocTest skipped: this C library is not glibc");
        }
        assumeTrue(glibc, "not glibc");
    }

    @Test
    void glibcAcceptsTheThresholdZtunnelSets() {
        assertThat(GlibcMalloc.fixThresholds(GlibcMalloc.THRESHOLD)).isTrue();
    }

    @Test
    void theDowncallReportsWhatGlibcRefuses() {
        // glibc answers 0 for an mmap threshold above HEAP_MAX_SIZE / 2: proof the answer is glibc's, not assumed
        assertThat(GlibcMalloc.mallopt(GlibcMalloc.M_MMAP_THRESHOLD, GlibcMalloc.MAX_MMAP_THRESHOLD + 1)).isFalse();
        assertThat(GlibcMalloc.mallopt(GlibcMalloc.M_MMAP_THRESHOLD, GlibcMalloc.MAX_MMAP_THRESHOLD)).isTrue();
        assertThat(GlibcMalloc.fixThresholds(GlibcMalloc.THRESHOLD)).isTrue();
    }

    @Test
    void outOfRangeThresholdsAreRefusedBeforeReachingGlibc() {
        assertThatThrownBy(() -> GlibcMalloc.fixThresholds(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..33554432");
        assertThatThrownBy(() -> GlibcMalloc.fixThresholds(-5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GlibcMalloc.fixThresholds(Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }
}
