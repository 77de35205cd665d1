package io.ambit.netns;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls the JDK does not offer, made through Java's Foreign Function & Memory API
 * (no JNI library to build or ship). Every call that can fail captures errno in the same
 * downcall ({@code Linker.Option.captureCallState}): reading it afterwards from Java would see
 * whatever the JVM itself did in between.
 */
public final class LinuxSyscalls {

    /** {@code CLONE_NEWNET} from {@code <sched.h>}: the namespace type setns(2) must find. */
    public static final int CLONE_NEWNET = 0x40000000;
    public static final int SOL_SOCKET = 1;
    public static final int SOL_IP = 0;
    public static final int SOL_IPV6 = 41;
    public static final int SO_REUSEPORT = 15;
    public static final int SO_MARK = 36;
    /** {@code SO_ORIGINAL_DST} (SOL_IP) and {@code IP6T_SO_ORIGINAL_DST} (SOL_IPV6) share the number. */
    public static final int SO_ORIGINAL_DST = 80;

    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle OPEN = errnoHandle("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = errnoHandle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETNS = errnoHandle("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = errnoHandle("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = errnoHandle("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    // glibc's strerror returns static, immutable strings for known errnos (thread-safe since 2.32).
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LIBC.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private LinuxSyscalls() {
    }

    private static MethodHandle errnoHandle(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(
                LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), descriptor, options);
    }

    /** open(2) read-only and close-on-exec, so a forked iptables never inherits a namespace fd. */
    public static int open(String path) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throw failure("open", state, path);
            }
            return fd;
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("downcall open failed", e);
        }
    }

    public static void close(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            if ((int) CLOSE.invokeExact(state, fd) != 0) {
                throw failure("close", state, "fd " + fd);
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("downcall close failed", e);
        }
    }

    /** setns(2): moves the calling OS thread (only it) into the namespace {@code fd} refers to. */
    public static void setns(int fd, int nstype) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            if ((int) SETNS.invokeExact(state, fd, nstype) != 0) {
                throw failure("setns", state, "fd " + fd + ", 0x" + Integer.toHexString(nstype));
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("downcall setns failed", e);
        }
    }

    public static void setIntOption(int fd, int level, int option, int value) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment optval = arena.allocateFrom(JAVA_INT, value);
            if ((int) SETSOCKOPT.invokeExact(state, fd, level, option, optval, (int) JAVA_INT.byteSize()) != 0) {
                throw failure("setsockopt", state, "fd " + fd + ", " + level + ", " + option);
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("downcall setsockopt failed", e);
        }
    }

    public static int getIntOption(int fd, int level, int option) throws SyscallException {
        byte[] value = getOption(fd, level, option, Integer.BYTES);
        return MemorySegment.ofArray(value).get(JAVA_INT.withByteAlignment(1), 0);
    }

    /** getsockopt(2) into a buffer of {@code capacity} bytes; returns exactly the bytes the kernel wrote. */
    public static byte[] getOption(int fd, int level, int option, int capacity) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment optval = arena.allocate(capacity);
            MemorySegment optlen = arena.allocateFrom(JAVA_INT, capacity);
            if ((int) GETSOCKOPT.invokeExact(state, fd, level, option, optval, optlen) != 0) {
                throw failure("getsockopt", state, "fd " + fd + ", " + level + ", " + option);
            }
            int length = Math.min(optlen.get(JAVA_INT, 0), capacity);
            return optval.asSlice(0, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("downcall getsockopt failed", e);
        }
    }

    /** strerror(3) for an errno, e.g. "Operation not permitted". */
    public static String errnoText(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(1024).getString(0);
        } catch (Throwable e) {
            return "errno " + errno;
        }
    }

    private static SyscallException failure(String call, MemorySegment state, String context) {
        int errno = (int) ERRNO.get(state, 0L);
        return new SyscallException(call, errno, errnoText(errno), context);
    }
}
