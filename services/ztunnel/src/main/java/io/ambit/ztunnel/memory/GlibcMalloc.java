package io.ambit.ztunnel.memory;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * glibc's malloc thresholds, set from inside the process with {@code mallopt(3)} through Java's
 * Foreign Function &amp; Memory API, so that the lab, the benchmark and the Kubernetes image get
 * them alike without an environment variable in each launcher.
 *
 * <p>Why: about a quarter of ztunnel's RSS is native memory that NMT does not see (BoringSSL's and
 * the JDK's own mallocs). By default glibc raises its mmap threshold up to 32 MiB as large blocks
 * are freed (the TLS and HTTP/2 buffers of a busy connection) and then serves them from its arenas,
 * where freed memory stays resident until a trim. A fixed, low mmap threshold returns such blocks
 * to the kernel when freed, and a low trim threshold lets the top of each heap go early (issue 12,
 * bench/README.md: peak RSS under load 256 -> 238 MiB with the same thresholds set by
 * {@code GLIBC_TUNABLES}).
 */
public final class GlibcMalloc {

    /** {@code M_TRIM_THRESHOLD} from {@code <malloc.h>}. */
    static final int M_TRIM_THRESHOLD = -1;
    /** {@code M_MMAP_THRESHOLD} from {@code <malloc.h>}. */
    static final int M_MMAP_THRESHOLD = -3;
    /** glibc refuses an mmap threshold above HEAP_MAX_SIZE / 2 (32 MiB on 64-bit). */
    static final int MAX_MMAP_THRESHOLD = 32 * 1024 * 1024;

    /** 128 KiB: glibc's own starting value for both, kept fixed instead of growing. */
    public static final int THRESHOLD = 128 * 1024;

    private static final Optional<MethodHandle> MALLOPT = Linker.nativeLinker().defaultLookup().find("mallopt")
            .map(symbol -> Linker.nativeLinker().downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT)));

    private GlibcMalloc() {
    }

    /**
     * Fixes glibc's trim and mmap thresholds at {@code bytes}.
     *
     * @return false when this C library has no {@code mallopt} (not glibc): nothing was changed
     * @throws IllegalArgumentException when {@code bytes} is outside what glibc accepts (nothing changed)
     */
    public static boolean fixThresholds(int bytes) {
        if (bytes <= 0 || bytes > MAX_MMAP_THRESHOLD) {
            throw new IllegalArgumentException("malloc threshold must be 1.." + MAX_MMAP_THRESHOLD + " bytes, not " + bytes);
        }
        if (MALLOPT.isEmpty()) {
            return false;
        }
        return mallopt(M_MMAP_THRESHOLD, bytes) && mallopt(M_TRIM_THRESHOLD, bytes);
    }

    static boolean mallopt(int parameter, int value) {
        try {
            return (int) MALLOPT.orElseThrow().invokeExact(parameter, value) == 1;
        } catch (Throwable e) {
            throw new IllegalStateException("downcall mallopt failed", e);
        }
    }
}
