package io.ambit.ca.crypto;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.PublicKey;
import java.util.Map;
import java.util.Optional;

/**
 * Signatures through the system's OpenSSL libcrypto (3.x), called with Java's Foreign Function &
 * Memory API: no JNI library to build or ship. libcrypto's P-256 is about ten times faster than the
 * JDK's, and ECDSA is most of what a certificate costs the CA. Keys cross as DER
 * (SubjectPublicKeyInfo, PKCS#8); every native object is freed in the call that made it, except
 * a signer's private key: that is the CA's own key, parsed once and kept for the life of the CA.
 */
public final class LibcryptoSignatureEngine implements SignatureEngine {

    private static final Linker LINKER = Linker.nativeLinker();

    private final MethodHandle d2iPubkey;
    private final MethodHandle d2iAutoPrivateKey;
    private final MethodHandle pkeyFree;
    private final MethodHandle mdCtxNew;
    private final MethodHandle mdCtxFree;
    private final MethodHandle digestVerifyInit;
    private final MethodHandle digestVerify;
    private final MethodHandle digestSignInit;
    private final MethodHandle digestSign;
    private final Map<String, MemorySegment> digests;
    private final MethodHandle ecKeyNewByCurveName;
    private final MethodHandle o2iEcPublicKey;
    private final MethodHandle ecKeyFree;
    private final MethodHandle ecdsaVerify;

    /** OpenSSL NIDs of the curves CSR keys may use. */
    private static final int NID_P256 = 415;
    private static final int NID_P384 = 715;

    private LibcryptoSignatureEngine(SymbolLookup lib) throws Throwable {
        d2iPubkey = handle(lib, "d2i_PUBKEY", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        d2iAutoPrivateKey = handle(lib, "d2i_AutoPrivateKey", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        pkeyFree = handle(lib, "EVP_PKEY_free", FunctionDescriptor.ofVoid(ADDRESS));
        mdCtxNew = handle(lib, "EVP_MD_CTX_new", FunctionDescriptor.of(ADDRESS));
        mdCtxFree = handle(lib, "EVP_MD_CTX_free", FunctionDescriptor.ofVoid(ADDRESS));
        digestVerifyInit = handle(lib, "EVP_DigestVerifyInit",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        digestVerify = handle(lib, "EVP_DigestVerify",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
        digestSignInit = handle(lib, "EVP_DigestSignInit",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        digestSign = handle(lib, "EVP_DigestSign",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        // EC verification goes through the EC_KEY API: parsing a key with d2i_PUBKEY runs OpenSSL 3's
        // generic decoder framework, which cost more than the verification itself.
        ecKeyNewByCurveName = handle(lib, "EC_KEY_new_by_curve_name", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        o2iEcPublicKey = handle(lib, "o2i_ECPublicKey", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        ecKeyFree = handle(lib, "EC_KEY_free", FunctionDescriptor.ofVoid(ADDRESS));
        ecdsaVerify = handle(lib, "ECDSA_verify",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        MethodHandle sha256 = handle(lib, "EVP_sha256", FunctionDescriptor.of(ADDRESS));
        MethodHandle sha384 = handle(lib, "EVP_sha384", FunctionDescriptor.of(ADDRESS));
        MethodHandle sha512 = handle(lib, "EVP_sha512", FunctionDescriptor.of(ADDRESS));
        MemorySegment s256 = (MemorySegment) sha256.invokeExact();
        MemorySegment s384 = (MemorySegment) sha384.invokeExact();
        MemorySegment s512 = (MemorySegment) sha512.invokeExact();
        digests = Map.of(
                "SHA256withECDSA", s256, "SHA384withECDSA", s384, "SHA512withECDSA", s512,
                "SHA256withRSA", s256, "SHA384withRSA", s384, "SHA512withRSA", s512);
    }

    /** libcrypto 3 if this machine has it; empty (and the JDK's signatures are used) otherwise. */
    public static Optional<SignatureEngine> load() {
        for (String name : new String[] {"libcrypto.so.3", "libcrypto.so"}) {
            try {
                return Optional.of(new LibcryptoSignatureEngine(SymbolLookup.libraryLookup(name, Arena.global())));
            } catch (Throwable e) {
                // try the next name
            }
        }
        return Optional.empty();
    }

    private static MethodHandle handle(SymbolLookup lib, String symbol, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(lib.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(symbol)), descriptor);
    }

    @Override
    public String name() {
        return "libcrypto";
    }

    @Override
    public boolean verify(String algorithm, PublicKey key, byte[] data, byte[] signature) {
        if (key instanceof ECPublicKey ec && algorithm.endsWith("withECDSA")) {
            return verifyEc(algorithm, ec, data, signature);
        }
        MemorySegment digest = digests.get(algorithm);
        if (digest == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pkey = parse(d2iPubkey, arena, key.getEncoded());
            if (pkey.equals(MemorySegment.NULL)) {
                return false;
            }
            MemorySegment ctx = (MemorySegment) mdCtxNew.invokeExact();
            try {
                if ((int) digestVerifyInit.invokeExact(ctx, MemorySegment.NULL, digest, MemorySegment.NULL, pkey) != 1) {
                    return false;
                }
                MemorySegment sig = arena.allocateFrom(ValueLayout.JAVA_BYTE, signature);
                MemorySegment tbs = arena.allocateFrom(ValueLayout.JAVA_BYTE, data);
                return (int) digestVerify.invokeExact(ctx, sig, (long) signature.length, tbs, (long) data.length) == 1;
            } finally {
                mdCtxFree.invokeExact(ctx);
                pkeyFree.invokeExact(pkey);
            }
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto verify failed", e);
        }
    }

    private boolean verifyEc(String algorithm, ECPublicKey key, byte[] data, byte[] signature) {
        int bits = key.getParams().getCurve().getField().getFieldSize();
        int nid = bits == 256 ? NID_P256 : bits == 384 ? NID_P384 : 0;
        String digestName = switch (algorithm) {
            case "SHA256withECDSA" -> "SHA-256";
            case "SHA384withECDSA" -> "SHA-384";
            case "SHA512withECDSA" -> "SHA-512";
            default -> null;
        };
        if (nid == 0 || digestName == null) {
            return false;
        }
        byte[] hash;
        try {
            hash = MessageDigest.getInstance(digestName).digest(data);
        } catch (NoSuchAlgorithmException e) {
            return false;
        }
        byte[] point = uncompressedPoint(key, (bits + 7) / 8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ecKey = (MemorySegment) ecKeyNewByCurveName.invokeExact(nid);
            try {
                MemorySegment holder = arena.allocateFrom(ADDRESS, ecKey);
                MemorySegment cursor = arena.allocateFrom(ADDRESS, arena.allocateFrom(ValueLayout.JAVA_BYTE, point));
                MemorySegment parsed = (MemorySegment) o2iEcPublicKey.invokeExact(holder, cursor, (long) point.length);
                if (parsed.equals(MemorySegment.NULL)) {
                    return false;
                }
                MemorySegment dgst = arena.allocateFrom(ValueLayout.JAVA_BYTE, hash);
                MemorySegment sig = arena.allocateFrom(ValueLayout.JAVA_BYTE, signature);
                return (int) ecdsaVerify.invokeExact(0, dgst, hash.length, sig, signature.length, ecKey) == 1;
            } finally {
                ecKeyFree.invokeExact(ecKey);
            }
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto ECDSA verify failed", e);
        }
    }

    /** SEC 1 uncompressed point: 0x04 || X || Y, each coordinate left-padded to the field size. */
    private static byte[] uncompressedPoint(ECPublicKey key, int size) {
        byte[] point = new byte[1 + 2 * size];
        point[0] = 0x04;
        copyUnsigned(key.getW().getAffineX(), point, 1, size);
        copyUnsigned(key.getW().getAffineY(), point, 1 + size, size);
        return point;
    }

    private static void copyUnsigned(BigInteger value, byte[] target, int offset, int size) {
        byte[] bytes = value.toByteArray();
        int copy = Math.min(bytes.length, size);
        System.arraycopy(bytes, bytes.length - copy, target, offset + size - copy, copy);
    }

    @Override
    public Signer signer(String algorithm, PrivateKey key) {
        MemorySegment digest = digests.get(algorithm);
        if (digest == null) {
            throw new IllegalArgumentException("libcrypto engine does not sign with " + algorithm);
        }
        MemorySegment pkey;
        try {
            // Kept for the life of the CA: the signing key is parsed once.
            pkey = parse(d2iAutoPrivateKey, Arena.global(), key.getEncoded());
        } catch (Throwable e) {
            throw new IllegalStateException("libcrypto cannot read the CA key", e);
        }
        if (pkey.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("libcrypto cannot read the CA key (" + key.getAlgorithm() + ")");
        }
        return data -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment ctx = (MemorySegment) mdCtxNew.invokeExact();
                try {
                    if ((int) digestSignInit.invokeExact(ctx, MemorySegment.NULL, digest, MemorySegment.NULL, pkey) != 1) {
                        throw new IllegalStateException("EVP_DigestSignInit failed");
                    }
                    MemorySegment tbs = arena.allocateFrom(ValueLayout.JAVA_BYTE, data);
                    MemorySegment sig = arena.allocate(1024);
                    MemorySegment length = arena.allocateFrom(JAVA_LONG, sig.byteSize());
                    if ((int) digestSign.invokeExact(ctx, sig, length, tbs, (long) data.length) != 1) {
                        throw new IllegalStateException("EVP_DigestSign failed");
                    }
                    return sig.asSlice(0, length.get(JAVA_LONG, 0)).toArray(ValueLayout.JAVA_BYTE);
                } finally {
                    mdCtxFree.invokeExact(ctx);
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("libcrypto sign failed", e);
            }
        };
    }

    /** {@code d2i_*(NULL, &p, len)}: the DER is copied into native memory and parsed. */
    private static MemorySegment parse(MethodHandle d2i, Arena arena, byte[] der) throws Throwable {
        MemorySegment buffer = arena.allocateFrom(ValueLayout.JAVA_BYTE, der);
        MemorySegment cursor = arena.allocateFrom(ADDRESS, buffer);
        return (MemorySegment) d2i.invokeExact(MemorySegment.NULL, cursor, (long) der.length);
    }
}
