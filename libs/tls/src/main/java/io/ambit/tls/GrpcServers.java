package io.ambit.tls;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.grpc.Server;

/** What every Ambit gRPC listener does the same way: report its port, stop gracefully. */
public final class GrpcServers {

    private GrpcServers() {
    }

    /** The bound port (useful when configured as 0). */
    public static int port(Server server) {
        return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort();
    }

    /** New calls refused at once, running ones given {@code grace}, then cut. */
    public static void stopGracefully(Server server, Duration grace) {
        server.shutdown();
        try {
            if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
