package io.ambit.ztunnel.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.invoke.MethodHandle;

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
    void theThresholdReachesGlibc() throws Throwable {
        // observable effect, not mallopt's answer (glibc 2.36 answers 1 to anything): a 1 MiB block is
        // mmapped (mallinfo2's hblkhd grows) above the fixed 128 KiB threshold, and not below a 32 MiB one
        assertThat(GlibcMalloc.fixThresholds(GlibcMalloc.THRESHOLD)).isTrue();
        assertThat(mmappedGrowthOfOneMebibyteBlock()).isGreaterThanOrEqualTo(MIB);
        assertThat(GlibcMalloc.fixThresholds(GlibcMalloc.MAX_MMAP_THRESHOLD)).isTrue();
        assertThat(mmappedGrowthOfOneMebibyteBlock()).isLessThan(MIB);
        GlibcMalloc.fixThresholds(GlibcMalloc.THRESHOLD);
    }

    private static final long MIB = 1024 * 1024;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(LINKER.defaultLookup().find("malloc").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(ADDRESS));
    /** struct mallinfo2: ten size_t fields; hblkhd (bytes in mmapped blocks) is the fifth. */
    private static final MemoryLayout MALLINFO2 = MemoryLayout.structLayout(JAVA_LONG.withName("arena"),
            JAVA_LONG.withName("ordblks"), JAVA_LONG.withName("smblks"), JAVA_LONG.withName("hblks"), JAVA_LONG.withName("hblkhd"),
            JAVA_LONG.withName("usmblks"), JAVA_LONG.withName("fsmblks"), JAVA_LONG.withName("uordblks"),
            JAVA_LONG.withName("fordblks"), JAVA_LONG.withName("keepcost"));
    private static final MethodHandle MALLINFO = LINKER.downcallHandle(LINKER.defaultLookup().find("mallinfo2").orElseThrow(),
            FunctionDescriptor.of(MALLINFO2));

    private static long mmappedGrowthOfOneMebibyteBlock() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            long before = mmappedBytes(arena);
            MemorySegment block = (MemorySegment) MALLOC.invokeExact(MIB);
            assertThat(block.address()).isNotZero();
            long after = mmappedBytes(arena);
            FREE.invokeExact(block);
            return after - before;
        }
    }

    private static long mmappedBytes(Arena arena) throws Throwable {
        MemorySegment info = (MemorySegment) MALLINFO.invokeExact((SegmentAllocator) arena);
        return info.getAtIndex(JAVA_LONG, 4);
    }

    @Test
    void outOfRangeThresholdsAreRefusedBeforeReachingGlibc() {
        assertThatThrownBy(() -> GlibcMalloc.fixThresholds(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..33554432");
        assertThatThrownBy(() -> GlibcMalloc.fixThresholds(-5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GlibcMalloc.fixThresholds(Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }
}
