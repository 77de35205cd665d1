package io.ambit.echo.server;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.ambit.echo.Addresses;
import io.ambit.echo.EchoException;

/**
 * What {@code echo server} was asked for.
 *
 * @param pod the name every answer carries ({@code --pod}, else {@code $POD_NAME}, else the host name)
 * @param serviceVersion the {@code ServiceVersion} line ({@code --service-version}, else
 *     {@code $SERVICE_VERSION}, else {@code v1}); lets a traffic-split test tell versions apart
 * @param httpPort HTTP/1.1 and h2c; 0 means ephemeral
 * @param grpcPort gRPC; 0 means ephemeral
 * @param tcpPort plain TCP echo; 0 means ephemeral
 * @param serverFirstPort server-speaks-first TCP; 0 means ephemeral
 * @param bind the address every listener binds
 * @param accessLog one line per request or connection on stderr ({@code --access-log})
 */
public record ServerOptions(String pod, String serviceVersion, int httpPort, int grpcPort, int tcpPort,
        int serverFirstPort, InetAddress bind, boolean accessLog) {

    public static final String USAGE = "echo server [--pod NAME] [--service-version V] [--http PORT] [--grpc PORT] "
            + "[--tcp PORT] [--server-first PORT] [--bind ADDR] [--access-log]";

    /** All four listeners on ephemeral loopback ports, as tests want them. */
    public static ServerOptions loopback(String pod) {
        return new ServerOptions(pod, "v1", 0, 0, 0, 0, InetAddress.getLoopbackAddress(), false);
    }

    public static ServerOptions parse(String[] args, Map<String, String> env) throws EchoException.Usage {
        String pod = env.get("POD_NAME");
        String version = env.getOrDefault("SERVICE_VERSION", "v1");
        int http = 8080;
        int grpc = 7070;
        int tcp = 9090;
        int serverFirst = 9091;
        InetAddress bind = Addresses.literal("0.0.0.0");
        boolean accessLog = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--pod" -> pod = value(args, ++i, arg);
                case "--service-version" -> version = value(args, ++i, arg);
                case "--http" -> http = port(value(args, ++i, arg), arg);
                case "--grpc" -> grpc = port(value(args, ++i, arg), arg);
                case "--tcp" -> tcp = port(value(args, ++i, arg), arg);
                case "--server-first" -> serverFirst = port(value(args, ++i, arg), arg);
                case "--bind" -> bind = Addresses.literal(value(args, ++i, arg));
                case "--access-log" -> accessLog = true;
                default -> throw new EchoException.Usage("unknown argument '" + arg + "'");
            }
        }
        if (pod == null || pod.isBlank()) {
            pod = hostName();
        }
        return new ServerOptions(pod, version, http, grpc, tcp, serverFirst, bind, accessLog);
    }

    static String value(String[] args, int i, String flag) throws EchoException.Usage {
        if (i >= args.length) {
            throw new EchoException.Usage(flag + " needs a value");
        }
        return args[i];
    }

    private static int port(String text, String flag) throws EchoException.Usage {
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new EchoException.Usage(flag + " must be a port between 0 (ephemeral) and 65535, got '" + text + "'");
    }

    // The kernel's name for this UTS namespace: InetAddress.getLocalHost() would resolve it, and
    // a lab pod must send no DNS query.
    private static String hostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no procfs
        }
        return "echo";
    }
}
