package io.ambit.ca.keys;

/**
 * Where the CA's key material lives: loaded if present, created (self-signed) and saved if not,
 * so that a restarted CA signs with the same root and existing certificates stay valid.
 */
public interface CaKeyStore {

    CaKeyMaterial loadOrCreate();
}
