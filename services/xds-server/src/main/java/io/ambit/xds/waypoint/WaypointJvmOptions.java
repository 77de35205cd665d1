package io.ambit.xds.waypoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The waypoint JVM's flags for the Deployments of waypoint Gateways: services/waypoint/jvm.options
 * (one flag per line, {@code #} comments), which the build copies next to this class, so that the
 * lab, the benchmark and Kubernetes run the waypoint with the same flags from one file, as the
 * ztunnel DaemonSet carries services/ztunnel/jvm.options.
 */
public final class WaypointJvmOptions {

    /** Netty and the netns code call native methods; without it every JDK 25 start-up warns. */
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    private static final String RESOURCE = "jvm.options";

    private WaypointJvmOptions() {
    }

    /** {@code JAVA_TOOL_OPTIONS}: the native-access flag, then the file's flags in order, space-separated. */
    public static String javaToolOptions() {
        List<String> flags = new ArrayList<>();
        flags.add(NATIVE_ACCESS);
        flags.addAll(parse(read()));
        return String.join(" ", flags);
    }

    /** The flags of a jvm.options text: trimmed non-blank lines that are not comments. */
    static List<String> parse(String text) {
        List<String> flags = new ArrayList<>();
        for (String line : text.split("\n")) {
            String flag = line.trim();
            if (!flag.isEmpty() && !flag.startsWith("#")) {
                if (flag.contains(" ")) {
                    // JAVA_TOOL_OPTIONS splits on spaces: a flag with one would become two
                    throw new IllegalStateException("services/waypoint/jvm.options: a flag with a space cannot be passed in JAVA_TOOL_OPTIONS: " + flag);
                }
                flags.add(flag);
            }
        }
        return flags;
    }

    private static String read() {
        try (InputStream in = WaypointJvmOptions.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                // a build that did not copy services/waypoint/jvm.options (xds-server's pom does): a packaging bug
                throw new IllegalStateException("io/ambit/xds/waypoint/jvm.options is missing from the xds-server jar (a build bug)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
