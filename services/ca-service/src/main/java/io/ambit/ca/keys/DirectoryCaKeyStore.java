package io.ambit.ca.keys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key material in a directory in Istio's {@code cacerts} layout. A plug-in directory must exist and
 * is only read; a state directory gets a self-signed root on first start, written with owner-only
 * permissions and moved into place atomically so a crash never leaves half a key.
 */
public final class DirectoryCaKeyStore implements CaKeyStore {

    private static final Logger log = LoggerFactory.getLogger(DirectoryCaKeyStore.class);

    private final Path directory;
    private final String trustDomain;
    private final boolean createIfMissing;

    private DirectoryCaKeyStore(Path directory, String trustDomain, boolean createIfMissing) {
        this.directory = directory;
        this.trustDomain = trustDomain;
        this.createIfMissing = createIfMissing;
    }

    public static DirectoryCaKeyStore pluginCerts(Path directory, String trustDomain) {
        return new DirectoryCaKeyStore(directory, trustDomain, false);
    }

    public static DirectoryCaKeyStore selfSigned(Path directory, String trustDomain) {
        return new DirectoryCaKeyStore(directory, trustDomain, true);
    }

    @Override
    public CaKeyMaterial loadOrCreate() {
        Path key = directory.resolve(CaCertsLayout.CA_KEY);
        if (Files.exists(key) || !createIfMissing) {
            if (!Files.isDirectory(directory)) {
                throw new CaKeyMaterialException("plug-in CA directory " + directory + " does not exist");
            }
            CaKeyMaterial material = CaCertsLayout.read(readAll(), trustDomain, directory.toString());
            log.info("CA key material loaded from {} (signer {}, valid until {})", directory,
                    material.signingCertificate().getSubjectX500Principal(), material.notAfter());
            return material;
        }
        CaKeyMaterial created = SelfSignedRoot.create(trustDomain);
        save(created);
        log.info("created a self-signed root for {} in {} (valid until {})", trustDomain, directory, created.notAfter());
        return created;
    }

    private Map<String, String> readAll() {
        Map<String, String> files = new HashMap<>();
        for (String name : new String[] {CaCertsLayout.CA_CERT, CaCertsLayout.CA_KEY, CaCertsLayout.ROOT_CERT, CaCertsLayout.CERT_CHAIN}) {
            Path file = directory.resolve(name);
            if (Files.exists(file)) {
                try {
                    files.put(name, Files.readString(file));
                } catch (IOException e) {
                    throw new CaKeyMaterialException("cannot read " + file + ": " + e.getMessage(), e);
                }
            }
        }
        return files;
    }

    private void save(CaKeyMaterial material) {
        try {
            Files.createDirectories(directory);
            for (var file : CaCertsLayout.write(material).entrySet()) {
                Path temporary = Files.createTempFile(directory, file.getKey(), ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(temporary, file.getValue());
                Files.move(temporary, directory.resolve(file.getKey()), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save CA key material in " + directory, e);
        }
    }
}
