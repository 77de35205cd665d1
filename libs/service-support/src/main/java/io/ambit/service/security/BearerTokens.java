package io.ambit.service.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer tokens a service accepts, read once at start, and the caller each one proves. A token
 * file must be owner-only (no group or other bits, as ssh wants of a key): one readable by every
 * local user would hand them the role. Tokens are compared in constant time, every entry every
 * time, so the time taken tells nothing about which token came close.
 */
public final class BearerTokens {

    private static final Logger log = LoggerFactory.getLogger(BearerTokens.class);
    static final int MIN_LENGTH = 16;
    private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private record Entry(byte[] token, MeshCaller caller) {
    }

    private final List<Entry> entries;

    private BearerTokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** @throws IllegalStateException a token file that others can read, a token too short, or one token for two callers */
    public static BearerTokens load(MeshSecurityProperties properties) {
        List<Entry> entries = new ArrayList<>();
        read("admin", properties.admin()).ifPresent(t -> entries.add(new Entry(t, MeshCaller.admin())));
        read("viewer", properties.viewer()).ifPresent(t -> entries.add(new Entry(t, MeshCaller.viewer())));
        for (Map.Entry<String, MeshSecurityProperties.Credential> service : properties.services().entrySet()) {
            MeshCaller caller = MeshCaller.service("spiffe://" + properties.trustDomain() + "/ns/" + properties.meshNamespace()
                    + "/sa/" + service.getKey(), service.getKey());
            read("service " + service.getKey(), service.getValue()).ifPresent(t -> entries.add(new Entry(t, caller)));
        }
        for (int i = 0; i < entries.size(); i++) {
            for (int j = i + 1; j < entries.size(); j++) {
                if (MessageDigest.isEqual(entries.get(i).token(), entries.get(j).token())) {
                    throw new IllegalStateException("ambit.security: " + entries.get(i).caller().name() + " and "
                            + entries.get(j).caller().name() + " have the same token; give each its own");
                }
            }
        }
        if (entries.stream().noneMatch(e -> e.caller().isAdmin())) {
            log.warn("no admin token ({} is missing and ambit.security.admin.token is unset): every write to this service's "
                    + "HTTP API will be refused", properties.admin().tokenFile());
        }
        return new BearerTokens(entries);
    }

    private static Optional<byte[]> read(String owner, MeshSecurityProperties.Credential credential) {
        String token = credential.token();
        if (token == null && credential.tokenFile() != null) {
            Path file = credential.tokenFile();
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            checkOwnerOnly(owner, file);
            try {
                token = Files.readString(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the " + owner + " token from " + file, e);
            }
        }
        if (token == null) {
            return Optional.empty();
        }
        token = token.strip();
        if (token.length() < MIN_LENGTH) {
            throw new IllegalStateException("ambit.security: the " + owner + " token must be at least " + MIN_LENGTH
                    + " characters" + (credential.tokenFile() != null && credential.token() == null ? " (" + credential.tokenFile() + ")" : ""));
        }
        return Optional.of(token.getBytes(StandardCharsets.UTF_8));
    }

    private static void checkOwnerOnly(String owner, Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(NOT_OWNER::contains)) {
                throw new IllegalStateException("ambit.security: the " + owner + " token file " + file + " is open to others ("
                        + PosixFilePermissions.toString(permissions) + "); make it owner-only: chmod 600 " + file);
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the permissions of " + file, e);
        }
    }

    /** The caller {@code presented} proves, if any. */
    public Optional<MeshCaller> authenticate(String presented) {
        byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
        MeshCaller matched = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.token(), bytes)) {
                matched = entry.caller();
            }
        }
        return Optional.ofNullable(matched);
    }

    /** How many callers can authenticate (none: every protected endpoint answers 401). */
    public int size() {
        return entries.size();
    }
}
