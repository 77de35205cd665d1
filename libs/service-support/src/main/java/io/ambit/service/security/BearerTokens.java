package io.ambit.service.security;

import io.ambit.identity.WorkloadIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer tokens a service accepts and the caller each one proves. A token file must be
 * owner-only ({@link TokenFiles}). Tokens are compared in constant time, every entry every time,
 * so the time taken tells nothing about which token came close.
 *
 * <p>Token files are looked at again at most once a second (size, modification time, inode), so a
 * token written or rotated after start (the lab shares its tokens once it is up; an operator
 * rotates one) applies without a restart. A change that does not load (a file open to others, a
 * token too short) is logged and the tokens in force stay.
 */
public final class BearerTokens {

    private static final Logger log = LoggerFactory.getLogger(BearerTokens.class);
    static final int MIN_LENGTH = 16;
    private static final long RECHECK_NANOS = 1_000_000_000L;

    private record Entry(byte[] token, MeshCaller caller) {
    }

    /** The entries in force and the state of the files they came from. */
    private record Loaded(List<Entry> entries, List<Object> fileStates, long checkedAt) {
    }

    private final MeshSecurityProperties properties;
    private final AtomicReference<Loaded> loaded = new AtomicReference<>();

    private BearerTokens(MeshSecurityProperties properties) {
        this.properties = properties;
    }

    /** @throws IllegalStateException a token file that others can read, a token too short, or one token for two callers */
    public static BearerTokens load(MeshSecurityProperties properties) {
        BearerTokens tokens = new BearerTokens(properties);
        tokens.loaded.set(tokens.read(tokens.fileStates()));
        if (tokens.loaded.get().entries().stream().noneMatch(e -> e.caller().isAdmin())) {
            log.warn("no admin token ({} is missing and ambit.security.admin.token is unset): every write to this service's "
                    + "HTTP API will be refused until it appears", properties.admin().tokenFile());
        }
        return tokens;
    }

    private Loaded read(List<Object> fileStates) {
        List<Entry> entries = new ArrayList<>();
        read("admin", properties.admin()).ifPresent(t -> entries.add(new Entry(t, MeshCaller.admin())));
        read("viewer", properties.viewer()).ifPresent(t -> entries.add(new Entry(t, MeshCaller.viewer())));
        for (Map.Entry<String, MeshSecurityProperties.Credential> service : properties.services().entrySet()) {
            MeshCaller caller = MeshCaller.service(
                    new WorkloadIdentity(properties.trustDomain(), properties.meshNamespace(), service.getKey()).toString(),
                    service.getKey());
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
        return new Loaded(List.copyOf(entries), fileStates, System.nanoTime());
    }

    private static Optional<byte[]> read(String owner, MeshSecurityProperties.Credential credential) {
        String token = credential.token();
        if (token == null && credential.tokenFile() != null) {
            Path file = credential.tokenFile();
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            try {
                token = TokenFiles.read(owner, file);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("ambit.security: " + e.getMessage(), e);
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

    /** Size, modification time and file key of each token file (or "absent"), to notice a change cheaply. */
    private List<Object> fileStates() {
        List<Object> states = new ArrayList<>();
        List<MeshSecurityProperties.Credential> credentials = new ArrayList<>(List.of(properties.admin(), properties.viewer()));
        credentials.addAll(properties.services().values());
        for (MeshSecurityProperties.Credential credential : credentials) {
            if (credential.token() != null || credential.tokenFile() == null) {
                continue;
            }
            try {
                BasicFileAttributes attributes = Files.readAttributes(credential.tokenFile(), BasicFileAttributes.class);
                states.add(List.of(attributes.size(), attributes.lastModifiedTime(), Objects.toString(attributes.fileKey())));
            } catch (IOException e) {
                states.add("absent");
            }
        }
        return states;
    }

    private List<Entry> current() {
        Loaded now = loaded.get();
        if (System.nanoTime() - now.checkedAt() < RECHECK_NANOS) {
            return now.entries();
        }
        List<Object> states = fileStates();
        Loaded next;
        if (states.equals(now.fileStates())) {
            next = new Loaded(now.entries(), states, System.nanoTime());
        } else {
            try {
                next = read(states);
                log.info("token files changed: {} bearer credential(s) known now", next.entries().size());
            } catch (RuntimeException e) {
                log.warn("token files changed but do not load ({}); the previous tokens stay in force", e.getMessage());
                next = new Loaded(now.entries(), states, System.nanoTime());
            }
        }
        loaded.compareAndSet(now, next);
        return next.entries();
    }

    /** The caller {@code presented} proves, if any. */
    public Optional<MeshCaller> authenticate(String presented) {
        byte[] bytes = presented.getBytes(StandardCharsets.UTF_8);
        MeshCaller matched = null;
        for (Entry entry : current()) {
            if (MessageDigest.isEqual(entry.token(), bytes)) {
                matched = entry.caller();
            }
        }
        return Optional.ofNullable(matched);
    }

    /** How many callers can authenticate now (none: every protected endpoint answers 401). */
    public int size() {
        return current().size();
    }
}
