package io.ambit.ztunnel.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ambit.identity.Pem;
import io.ambit.testkit.IssuedCertificate;

/**
 * Interoperability: Node.js's own HTTP/2 client (the built-in {@code http2} module, over its
 * OpenSSL) is an HBONE client that Ambit did not write. With a client certificate for the sleep
 * pod's SPIFFE ID from the mesh CA, it opens a CONNECT tunnel through the echo pod's HBONE
 * listener (node-b) to the echo application: 200, then its bytes come back. Node checks the
 * server's chain against the mesh root; the host-name check is off, since peers are named by
 * SPIFFE ID. Skipped, saying why, where {@code node} is not on the PATH.
 */
class NodeHttp2InteropTest {

    private static final String SCRIPT = """
            'use strict';
            const http2 = require('node:http2');
            const fs = require('node:fs');
            const path = require('node:path');
            const [url, authority, marker, dir] = process.argv.slice(2);
            const fail = (why) => { console.error(why); process.exit(2); };
            setTimeout(() => fail('timed out'), 20000).unref();
            const client = http2.connect(url, {
              key: fs.readFileSync(path.join(dir, 'key.pem')),
              cert: fs.readFileSync(path.join(dir, 'chain.pem')),
              ca: fs.readFileSync(path.join(dir, 'root.pem')),
              ALPNProtocols: ['h2'],
              minVersion: 'TLSv1.3',
              checkServerIdentity: () => undefined,
            });
            client.on('error', (e) => fail('session error: ' + e.message));
            const tunnel = client.request({ ':method': 'CONNECT', ':authority': authority });
            tunnel.on('error', (e) => fail('stream error: ' + e.message));
            tunnel.on('response', (headers) => {
              console.log('status ' + headers[':status']);
              tunnel.write(marker);
            });
            let echoed = '';
            tunnel.setEncoding('utf8');
            tunnel.on('data', (chunk) => {
              echoed += chunk;
              if (echoed.length >= marker.length) {
                console.log('echo ' + echoed);
                tunnel.end();
                client.close();
              }
            });
            """;

    @TempDir
    Path dir;
    TwoNodes nodes;

    @AfterEach
    void stop() throws Exception {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void nodesHttp2ClientTunnelsThroughTheEchoPodsHboneListener() throws Exception {
        Optional<Path> node = onPath("node");
        if (node.isEmpty()) {
            System.out.println("NodeHttp2InteropTest skipped: no 'node' on the PATH (Debian package nodejs)");
        }
        Assumptions.assumeTrue(node.isPresent(), "no 'node' on the PATH (Debian package nodejs)");
        nodes = new TwoNodes();
        IssuedCertificate sleep = TwoNodes.CA.issue("spiffe://cluster.local/ns/demo/sa/sleep");
        Files.writeString(dir.resolve("key.pem"), Pem.encode(sleep.privateKey()));
        Files.writeString(dir.resolve("chain.pem"), Pem.encodeCertificates(sleep.chain()));
        Files.writeString(dir.resolve("root.pem"), Pem.encode(TwoNodes.CA.root()));
        Path script = Files.writeString(dir.resolve("connect.js"), SCRIPT);
        String hbone = "https://" + TwoNodes.ECHO_IP + ":" + nodes.b.proxy.hboneAddress().getPort();
        String marker = "hello from node " + System.nanoTime();

        Process process = new ProcessBuilder(node.get().toString(), script.toString(), hbone,
                TwoNodes.ECHO_IP + ":" + nodes.echo.port(), marker, dir.toString())
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile())
                .start();
        boolean exited = process.waitFor(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        List<String> out = Files.readAllLines(dir.resolve("out.txt"), StandardCharsets.UTF_8);
        String err = Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);

        assertThat(exited).as("node finished (stderr: %s)", err).isTrue();
        assertThat(process.exitValue()).as("node's exit code (stderr: %s)", err).isZero();
        assertThat(out).containsExactly("status 200", "echo " + marker);
        assertThat(nodes.echo.peers()).hasSize(1);
        assertThat(nodes.b.counter("istio_tcp_connections_opened", "reporter", "destination",
                "source_principal", "spiffe://cluster.local/ns/demo/sa/sleep")).isEqualTo(1);
    }

    private static Optional<Path> onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(File.pathSeparator)).map(d -> Path.of(d, command))
                .filter(Files::isExecutable).findFirst();
    }
}
