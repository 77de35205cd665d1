package io.ambit.ca;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.ambit.identity.Pem;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared checks for the CA tests: the chain passes openssl's strict verification too. */
public final class CaTestSupport {

    private CaTestSupport() {
    }

    /**
     * Runs {@code openssl verify -x509_strict -CAfile root -untrusted intermediates leaf} and
     * asserts it answers OK: an independent implementation agreeing that the chain is sound.
     */
    public static void assertOpensslVerifies(List<X509Certificate> chain) {
        try {
            Path dir = Files.createTempDirectory("ambit-openssl");
            Path root = dir.resolve("root.pem");
            Path leaf = dir.resolve("leaf.pem");
            Path untrusted = dir.resolve("untrusted.pem");
            Files.writeString(root, Pem.encode(chain.getLast()));
            Files.writeString(leaf, Pem.encode(chain.getFirst()));
            List<String> command = new ArrayList<>(List.of("openssl", "verify", "-x509_strict", "-purpose", "sslclient",
                    "-CAfile", root.toString()));
            if (chain.size() > 2) {
                Files.writeString(untrusted, Pem.encodeCertificates(chain.subList(1, chain.size() - 1)));
                command.addAll(List.of("-untrusted", untrusted.toString()));
            }
            command.add(leaf.toString());
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(output).as("openssl verify output").contains(leaf + ": OK");
            assertThat(process.exitValue()).isZero();
        } catch (IOException e) {
            throw new AssertionError("cannot run openssl (install the 'openssl' package)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
