package io.ambit.service.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Reads a secret from a file the way every Ambit service does: the file must be owner-only (no
 * group or other bits, as ssh wants of a key), since one readable by every local user hands them
 * what the token proves; surrounding white space is ignored.
 */
public final class TokenFiles {

    private static final Set<PosixFilePermission> NOT_OWNER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private TokenFiles() {
    }

    /**
     * @param owner what the token is, for the error ("admin", "node node-a")
     * @throws IllegalStateException the file is open to others or empty
     * @throws UncheckedIOException  it cannot be read (also when it does not exist)
     */
    public static String read(String owner, Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(NOT_OWNER::contains)) {
                throw new IllegalStateException("the " + owner + " token file " + file + " is open to others ("
                        + PosixFilePermissions.toString(permissions) + "); make it owner-only: chmod 600 " + file);
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the " + owner + " token file " + file, e);
        }
        try {
            String token = Files.readString(file).strip();
            if (token.isEmpty()) {
                throw new IllegalStateException("the " + owner + " token file " + file + " is empty");
            }
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the " + owner + " token file " + file, e);
        }
    }
}
