package io.ambit.ztunnel;

import io.ambit.ztunnel.memory.GlibcMalloc;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Ambit's per-node L4 proxy (issue 5 fills it). Port 15021 serves Istio's /healthz/ready, 15020 the actuator and metrics. */
@SpringBootApplication
public class ZtunnelApplication {

    public static void main(String[] args) {
        // before Spring, Netty and BoringSSL allocate: fixed malloc thresholds keep freed native memory
        // from staying resident (issue 12); a no-op where the C library is not glibc. 0 keeps glibc's own.
        int mallocThreshold = Integer.getInteger("ambit.ztunnel.malloc-threshold", GlibcMalloc.THRESHOLD);
        if (mallocThreshold != 0) {
            GlibcMalloc.fixThresholds(mallocThreshold);
        }
        SpringApplication.run(ZtunnelApplication.class, args);
    }
}
