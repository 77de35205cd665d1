package io.ambit.ca.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SignatureEnginesTest {

    static final SignatureEngine JCA = new JcaSignatureEngine();

    @Test
    void libcryptoLoadsOnLinuxWithOpenssl3AndIsChosen() {
        assertThat(LibcryptoSignatureEngine.load()).as("libcrypto.so.3 (Debian package libssl3)").isPresent();
        assertThat(SignatureEngines.best().name()).isEqualTo("libcrypto");
    }

    static Stream<Arguments> keys() throws Exception {
        return Stream.of(
                Arguments.of("SHA256withECDSA", ec("secp256r1")),
                Arguments.of("SHA384withECDSA", ec("secp384r1")),
                Arguments.of("SHA256withRSA", rsa()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void libcryptoAndTheJdkAgreeBothWays(String algorithm, KeyPair keys) {
        SignatureEngine libcrypto = LibcryptoSignatureEngine.load().orElseThrow();
        byte[] data = "certificate to be signed".getBytes();
        byte[] byLibcrypto = libcrypto.signer(algorithm, keys.getPrivate()).sign(data);
        byte[] byJdk = JCA.signer(algorithm, keys.getPrivate()).sign(data);
        assertThat(JCA.verify(algorithm, keys.getPublic(), data, byLibcrypto)).isTrue();
        assertThat(libcrypto.verify(algorithm, keys.getPublic(), data, byJdk)).isTrue();
        byte[] tampered = data.clone();
        tampered[3] ^= 0x10;
        assertThat(libcrypto.verify(algorithm, keys.getPublic(), tampered, byJdk)).isFalse();
        assertThat(libcrypto.verify(algorithm, keys.getPublic(), data, new byte[] {0x30, 0x00})).isFalse();
    }

    @Test
    void unknownAlgorithmsDoNotVerify() throws Exception {
        SignatureEngine libcrypto = LibcryptoSignatureEngine.load().orElseThrow();
        KeyPair keys = ec("secp256r1");
        assertThat(libcrypto.verify("MD5withRSA", keys.getPublic(), new byte[1], new byte[8])).isFalse();
    }

    static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve));
        return generator.generateKeyPair();
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }
}
