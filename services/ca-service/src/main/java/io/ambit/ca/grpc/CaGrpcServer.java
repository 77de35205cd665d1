package io.ambit.ca.grpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.ambit.tls.ReloadableSslContext;
import io.ambit.tls.GrpcServers;
import io.ambit.tls.ReloadingServerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The CA's gRPC listener (port 15012): grpc-java on Netty, TLS with the CA's own SVID (renewed
 * in place, see {@link ServingCertificateRotator}), bounded
 * message and metadata sizes so that an oversized request is refused by the transport before any
 * of it is parsed. Stops gracefully: new calls refused, running ones given a few seconds.
 */
public final class CaGrpcServer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CaGrpcServer.class);

    private final InetSocketAddress address;
    private final ReloadableSslContext tls;
    private final IstioCertificateGrpcService service;
    private final int maxMessageBytes;
    private final int maxMetadataBytes;
    private volatile Server server;
    private volatile ExecutorService executor;

    public CaGrpcServer(InetSocketAddress address, ReloadableSslContext tls, IstioCertificateGrpcService service,
            int maxMessageBytes, int maxMetadataBytes) {
        this.address = address;
        this.tls = tls;
        this.service = service;
        this.maxMessageBytes = maxMessageBytes;
        this.maxMetadataBytes = maxMetadataBytes;
    }

    @Override
    public void start() {
        // Signing is CPU work: one thread per core. grpc-java's default (an unbounded cached pool)
        // lets a burst spawn hundreds of threads that then convoy on the JDK's certificate-factory
        // lock; measured with bench/ca.sh, that alone cut throughput several times over.
        int threads = Runtime.getRuntime().availableProcessors();
        AtomicInteger counter = new AtomicInteger();
        executor = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "ca-sign-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            server = NettyServerBuilder.forAddress(address, ReloadingServerTls.credentials(tls))
                    .executor(executor)
                    .maxInboundMessageSize(maxMessageBytes)
                    .maxInboundMetadataSize(maxMetadataBytes)
                    .addService(ServerInterceptors.intercept(service, new CallCredentialsInterceptor()))
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for gRPC on " + address, e);
        }
        log.info("CA gRPC (IstioCertificateService, TLS) listening on {}", server.getListenSockets());
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        return GrpcServers.port(server);
    }

    @Override
    public void stop() {
        Server running = server;
        if (running == null) {
            return;
        }
        GrpcServers.stopGracefully(running, java.time.Duration.ofSeconds(5));
        server = null;
        executor.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }
}
