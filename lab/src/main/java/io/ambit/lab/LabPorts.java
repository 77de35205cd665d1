package io.ambit.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * The loopback ports of the lab's processes. {@code ./mesh up} uses the mesh's default ports
 * (DESIGN §2), ztunnel node {@code n} taking an offset of {@code (n - 1) * 1000} on its node
 * ports (15000 admin, 15020 metrics, 15021 readiness); the tests take free ephemeral ports, so a
 * running mesh and the suite never collide.
 */
record LabPorts(int caGrpc, int caHttp, int xdsGrpc, int xdsHttp, int ztunnelBase) {

    static LabPorts defaults() {
        return new LabPorts(15012, 15014, 15010, 15011, -1);
    }

    static LabPorts ephemeral() throws IOException {
        return new LabPorts(free(), free(), free(), free(), 0);
    }

    /** The xds-server's HTTP API over mutual TLS, which ca-service's node rule asks: 15017, or a free port. */
    int xdsMeshHttp() throws IOException {
        return ztunnelBase < 0 ? 15017 : free();
    }

    /** ztunnel of node {@code node}: {admin, metrics/actuator, readiness}. */
    int[] ztunnel(int node) throws IOException {
        if (ztunnelBase < 0) {
            int offset = (node - 1) * 1000;
            return new int[] {15000 + offset, 15020 + offset, 15021 + offset};
        }
        return new int[] {free(), free(), free()};
    }

    static int free() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }
}
