package io.ambit.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Failures that need no privilege: errno is captured in the call and named in the message. */
class LinuxSyscallsTest {

    @Test
    void setnsOnABadDescriptorReportsEbadf() {
        assertThatThrownBy(() -> LinuxSyscalls.setns(-1, LinuxSyscalls.CLONE_NEWNET))
                .isInstanceOfSatisfying(SyscallException.class, e -> {
                    assertThat(e.call()).isEqualTo("setns");
                    assertThat(e.errno()).isEqualTo(9);
                })
                .hasMessageContaining("Bad file descriptor");
    }

    @Test
    void openOfAMissingNamespaceReportsEnoent() {
        assertThatThrownBy(() -> NetNamespace.named("ambt-nn-does-not-exist"))
                .isInstanceOfSatisfying(SyscallException.class, e -> assertThat(e.errno()).isEqualTo(2))
                .hasMessageContaining("/var/run/netns/ambt-nn-does-not-exist")
                .hasMessageContaining("No such file or directory");
    }

    @Test
    void getsockoptOnSomethingThatIsNotASocketReportsEnotsock() throws Exception {
        int fd = LinuxSyscalls.open("/proc/self/stat");
        try {
            assertThatThrownBy(() -> SocketMark.of(fd))
                    .isInstanceOfSatisfying(SyscallException.class, e -> assertThat(e.errno()).isEqualTo(88))
                    .hasMessageContaining("Socket operation on non-socket");
        } finally {
            LinuxSyscalls.close(fd);
        }
    }

    @Test
    void namespaceNamesCannotEscapeTheDirectory() {
        assertThatThrownBy(() -> NetNamespace.named("../../proc/1/ns/net")).isInstanceOf(IllegalArgumentException.class);
    }
}
