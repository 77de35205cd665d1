package io.ambit.echo.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.ambit.echo.EchoException;

/**
 * What {@code echo client} was asked for.
 *
 * @param count requests (HTTP, h2c, gRPC) or connections (TCP, server-first), one after the other,
 *     each on a new connection so that connection-level load balancing shows
 * @param message the gRPC message, or the bytes a TCP connection sends before its FIN
 * @param headers HTTP headers or gRPC metadata; {@code Host} sets HTTP/2's {@code :authority}
 * @param timeout per request, connecting included
 */
record ClientOptions(Target target, Protocol protocol, int count, String message,
        List<Map.Entry<String, String>> headers, Duration timeout, java.util.Optional<java.net.InetSocketAddress> socks) {

    static final String DEFAULT_MESSAGE = "hello";

    static ClientOptions parse(String[] args) throws EchoException.Usage {
        String target = null;
        Protocol protocol = null;
        int count = 1;
        String message = null;
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        Duration timeout = Duration.ofSeconds(5);
        java.net.InetSocketAddress socks = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--count" -> count = count(value(args, ++i, arg));
                case "--protocol" -> protocol = Protocol.parse(value(args, ++i, arg));
                case "--message" -> message = value(args, ++i, arg);
                case "--header" -> headers.add(header(value(args, ++i, arg)));
                case "--timeout" -> timeout = duration(value(args, ++i, arg));
                case "--socks" -> socks = Target.parse(value(args, ++i, arg)).socketAddress();
                default -> {
                    if (arg.startsWith("--") || target != null) {
                        throw new EchoException.Usage("unknown argument '" + arg + "'");
                    }
                    target = arg;
                }
            }
        }
        if (target == null) {
            throw new EchoException.Usage("say where to connect: a URL (http://ip:port/path) or ip:port");
        }
        Target parsed = Target.parse(target);
        protocol = protocolFor(parsed, protocol);
        if (protocol.isHttp() && message != null) {
            throw new EchoException.Usage("--message is for grpc, tcp and server-first; HTTP requests are GETs without a body");
        }
        if ((protocol == Protocol.TCP || protocol == Protocol.SERVER_FIRST) && !headers.isEmpty()) {
            throw new EchoException.Usage("--header is for http, h2c and grpc");
        }
        if (socks != null && protocol == Protocol.GRPC) {
            throw new EchoException.Usage("--socks is for http, h2c, tcp and server-first");
        }
        return new ClientOptions(parsed, protocol, count, message == null ? DEFAULT_MESSAGE : message,
                List.copyOf(headers), timeout, java.util.Optional.ofNullable(socks));
    }

    private static Protocol protocolFor(Target target, Protocol asked) throws EchoException.Usage {
        if (target.scheme() == null) {
            if (asked == null) {
                throw new EchoException.Usage("say --protocol tcp, grpc or server-first for a host:port target "
                        + "(or give an http:// URL)");
            }
            if (asked.isHttp()) {
                throw new EchoException.Usage("--protocol " + asked.flag() + " needs an http:// URL");
            }
            return asked;
        }
        Protocol fromScheme = switch (target.scheme()) {
            case "http" -> Protocol.HTTP;
            case "tcp" -> Protocol.TCP;
            case "grpc" -> Protocol.GRPC;
            default -> throw new EchoException.Usage("unknown scheme '" + target.scheme() + "'; use http://, tcp:// or grpc://");
        };
        if (asked == null) {
            return fromScheme;
        }
        boolean fits = fromScheme == Protocol.HTTP ? asked.isHttp()
                : fromScheme == Protocol.TCP ? asked == Protocol.TCP || asked == Protocol.SERVER_FIRST
                : asked == fromScheme;
        if (!fits) {
            throw new EchoException.Usage("--protocol " + asked.flag() + " does not go with a " + target.scheme() + ":// target");
        }
        return asked;
    }

    private static String value(String[] args, int i, String flag) throws EchoException.Usage {
        if (i >= args.length) {
            throw new EchoException.Usage(flag + " needs a value");
        }
        return args[i];
    }

    private static int count(String text) throws EchoException.Usage {
        try {
            int count = Integer.parseInt(text);
            if (count >= 1) {
                return count;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new EchoException.Usage("--count must be a whole number of at least 1, got '" + text + "'");
    }

    private static Map.Entry<String, String> header(String text) throws EchoException.Usage {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new EchoException.Usage("--header must be NAME=VALUE, got '" + text + "'");
        }
        return Map.entry(text.substring(0, eq).strip(), text.substring(eq + 1));
    }

    /** {@code 5s}, {@code 500ms}, {@code 2m}, or a bare number of seconds. */
    static Duration duration(String text) throws EchoException.Usage {
        try {
            Duration duration;
            if (text.endsWith("ms")) {
                duration = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            } else if (text.endsWith("s")) {
                duration = Duration.ofMillis(Math.round(Double.parseDouble(text.substring(0, text.length() - 1)) * 1000));
            } else if (text.endsWith("m")) {
                duration = Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)) * 60);
            } else {
                duration = Duration.ofMillis(Math.round(Double.parseDouble(text) * 1000));
            }
            if (duration.isPositive()) {
                return duration;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new EchoException.Usage("--timeout must be a positive duration such as 5s, 500ms or 1m, got '" + text + "'");
    }
}
