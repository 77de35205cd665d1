package io.ambit.identity;

import java.io.IOException;
import java.security.KeyPair;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Certificate signing requests for workload identities. The request carries only the URI SAN
 * (no subject, no other SAN): the CA decides the identity, the CSR merely proposes it and proves
 * possession of the key. Control-plane servers also ask for their Service DNS names, which the CA
 * grants to control-plane identities only.
 */
public final class Csrs {

    private Csrs() {
    }

    public static PKCS10CertificationRequest create(KeyPair keyPair, SpiffeId id) {
        return create(keyPair, id, java.util.List.of());
    }

    /** As {@link #create(KeyPair, SpiffeId)}, with DNS SANs after the URI SAN. */
    public static PKCS10CertificationRequest create(KeyPair keyPair, SpiffeId id, java.util.List<String> dnsNames) {
        try {
            GeneralName[] names = new GeneralName[1 + dnsNames.size()];
            names[0] = new GeneralName(GeneralName.uniformResourceIdentifier, id.toString());
            for (int i = 0; i < dnsNames.size(); i++) {
                ServiceDnsNames.requireValid(dnsNames.get(i));
                names[i + 1] = new GeneralName(GeneralName.dNSName, dnsNames.get(i));
            }
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(names));
            return new JcaPKCS10CertificationRequestBuilder(new X500Name(new org.bouncycastle.asn1.x500.RDN[0]),
                    keyPair.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                    .build(new JcaContentSignerBuilder(KeyPairs.signatureAlgorithmFor(keyPair.getPrivate()))
                            .build(keyPair.getPrivate()));
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("could not build a CSR for " + id, e);
        }
    }

    public static String createPem(KeyPair keyPair, SpiffeId id) {
        return Pem.encode(create(keyPair, id));
    }

    public static String createPem(KeyPair keyPair, SpiffeId id, java.util.List<String> dnsNames) {
        return Pem.encode(create(keyPair, id, dnsNames));
    }
}
