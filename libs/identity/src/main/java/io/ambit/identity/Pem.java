package io.ambit.identity;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/** Reading and writing PEM: certificates, private keys (PKCS#8, SEC1, PKCS#1) and CSRs. */
public final class Pem {

    private Pem() {
    }

    public static String encode(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            if (object instanceof PrivateKey key) {
                // PKCS#8 for every key type: the one form every TLS stack reads.
                writer.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
            } else {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** PEM of DER bytes without going through a PEM writer: the CA's hot path encodes every leaf. */
    public static String encodeDer(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    public static String encodeCertificates(List<X509Certificate> certificates) {
        StringBuilder pem = new StringBuilder();
        certificates.forEach(c -> pem.append(encode(c)));
        return pem.toString();
    }

    /** Every CERTIFICATE block in the text, in order; at least one. */
    public static List<X509Certificate> readCertificates(String pem) {
        List<X509Certificate> certificates = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(pem))) {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            PemObject object;
            while ((object = reader.readPemObject()) != null) {
                if (!object.getType().equals("CERTIFICATE")) {
                    throw new PemException("expected CERTIFICATE blocks, found " + object.getType());
                }
                certificates.add((X509Certificate) factory.generateCertificate(
                        new ByteArrayInputStream(object.getContent())));
            }
        } catch (IOException | CertificateException e) {
            throw new PemException("malformed certificate PEM: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new PemException("no CERTIFICATE block found");
        }
        return List.copyOf(certificates);
    }

    public static PrivateKey readPrivateKey(String pem) {
        Object object = readSingle(pem, "private key");
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (object instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
        } catch (IOException e) {
            throw new PemException("unreadable private key: " + e.getMessage(), e);
        }
        throw new PemException("expected a private key, found " + object.getClass().getSimpleName());
    }

    public static PKCS10CertificationRequest readCsr(String pem) {
        Object object = readSingle(pem, "certificate request");
        if (object instanceof PKCS10CertificationRequest csr) {
            return csr;
        }
        throw new PemException("expected a CERTIFICATE REQUEST, found " + object.getClass().getSimpleName());
    }

    private static Object readSingle(String pem, String what) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            if (object == null) {
                throw new PemException("no PEM block found where a " + what + " was expected");
            }
            return object;
        } catch (IOException | RuntimeException e) {
            if (e instanceof PemException pe) {
                throw pe;
            }
            throw new PemException("malformed " + what + " PEM: " + e.getMessage(), e);
        }
    }
}
