package io.ambit.echo.client;

import java.time.Duration;

/** Makes one request (or one connection) per {@link #call}; never throws for a failed request. */
interface Caller extends AutoCloseable {

    Exchange call();

    @Override
    void close();

    static Caller of(ClientOptions options) {
        return switch (options.protocol()) {
            case HTTP, H2C -> new HttpCaller(options);
            case GRPC -> new GrpcCaller(options);
            case TCP, SERVER_FIRST -> new TcpCaller(options);
        };
    }

    /** {@code 5s}, {@code 1.5s}, {@code 500ms}: how errors name the timeout. */
    static String describe(Duration timeout) {
        long millis = timeout.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis < 1000 ? millis + "ms" : millis / 1000.0 + "s";
    }

    /** The innermost message of a failure, for an error line. */
    static String reason(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.getClass().getSimpleName() : message;
    }
}
