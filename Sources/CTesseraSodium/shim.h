// Thin, null-tolerant shims over libsodium and libargon2.
//
// Swift's `withUnsafeBytes` hands out a nil base address for empty buffers; every shim here takes
// nullable pointers and treats (NULL, 0) as an empty buffer, so no Swift call site needs `baseAddress!`.
#ifndef C_TESSERA_SODIUM_SHIM_H
#define C_TESSERA_SODIUM_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sodium.h>
#include <argon2.h>

/// Initialises libsodium; safe to call many times. Returns 0 or 1 on success, -1 on failure.
static inline int tessera_sodium_init(void) { return sodium_init(); }

/// Zeroes `len` bytes in a way the compiler may not elide.
static inline void tessera_memzero(void *_Nullable ptr, size_t len) {
    if (ptr != NULL && len > 0) { sodium_memzero(ptr, len); }
}

/// Locks pages so they are not swapped; 0 on success, -1 when the platform refuses (e.g. RLIMIT_MEMLOCK).
static inline int tessera_mlock(void *_Nullable ptr, size_t len) {
    if (ptr == NULL || len == 0) { return 0; }
    return sodium_mlock(ptr, len);
}

/// Zeroes then unlocks pages locked by `tessera_mlock`.
static inline int tessera_munlock(void *_Nullable ptr, size_t len) {
    if (ptr == NULL || len == 0) { return 0; }
    return sodium_munlock(ptr, len);
}

/// Constant-time equality of two buffers of the same length: 0 when equal, -1 otherwise.
static inline int tessera_memcmp(const void *_Nullable a, const void *_Nullable b, size_t len) {
    if (len == 0) { return 0; }
    if (a == NULL || b == NULL) { return -1; }
    return sodium_memcmp(a, b, len);
}

/// Fills the buffer from the OS CSPRNG (getrandom(2) on Linux).
static inline void tessera_randombytes(void *_Nullable ptr, size_t len) {
    if (ptr != NULL && len > 0) { randombytes_buf(ptr, len); }
}

/// The algorithm numbers libsodium's `crypto_pwhash` accepts.
static inline int tessera_pwhash_alg_argon2id13(void) { return crypto_pwhash_ALG_ARGON2ID13; }
static inline int tessera_pwhash_alg_argon2i13(void) { return crypto_pwhash_ALG_ARGON2I13; }
static inline size_t tessera_pwhash_saltbytes(void) { return crypto_pwhash_SALTBYTES; }

/// libsodium's Argon2 (p = 1, v = 0x13, 16-byte salt only). Returns 0 on success, -1 on failure.
static inline int tessera_sodium_pwhash(
    void *_Nullable out, size_t out_len,
    const void *_Nullable password, size_t password_len,
    const void *_Nullable salt,
    unsigned long long opslimit, size_t memlimit_bytes, int alg
) {
    static const char empty = 0;
    if (out == NULL || salt == NULL) { return -1; }
    return crypto_pwhash(
        (unsigned char *)out, (unsigned long long)out_len,
        password != NULL ? (const char *)password : &empty, (unsigned long long)password_len,
        (const unsigned char *)salt, opslimit, memlimit_bytes, alg);
}

/// The reference implementation's Argon2 with every input RFC 9106 defines (secret K and associated data X).
/// `type` is 1 for Argon2i and 2 for Argon2id; `version` is 0x10 or 0x13. Returns ARGON2_OK (0) or an argon2 error.
static inline int tessera_argon2_hash(
    int type, uint32_t version, uint32_t t_cost, uint32_t m_cost_kib, uint32_t parallelism,
    const void *_Nullable password, size_t password_len,
    const void *_Nullable salt, size_t salt_len,
    const void *_Nullable secret, size_t secret_len,
    const void *_Nullable ad, size_t ad_len,
    void *_Nullable out, size_t out_len
) {
    if (out == NULL) { return ARGON2_OUTPUT_PTR_NULL; }
    argon2_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.out = (uint8_t *)out;
    ctx.outlen = (uint32_t)out_len;
    ctx.pwd = (uint8_t *)password;
    ctx.pwdlen = (uint32_t)password_len;
    ctx.salt = (uint8_t *)salt;
    ctx.saltlen = (uint32_t)salt_len;
    ctx.secret = (uint8_t *)secret;
    ctx.secretlen = (uint32_t)secret_len;
    ctx.ad = (uint8_t *)ad;
    ctx.adlen = (uint32_t)ad_len;
    ctx.t_cost = t_cost;
    ctx.m_cost = m_cost_kib;
    ctx.lanes = parallelism;
    /* Lanes are computed one after another on the calling thread: the tag is the same, and a hash never starts
       threads of its own, so a caller choosing p = 16 cannot multiply the threads of the worker pool. */
    ctx.threads = 1;
    ctx.allocate_cbk = NULL;
    ctx.free_cbk = NULL;
    ctx.flags = ARGON2_DEFAULT_FLAGS;
    ctx.version = version;
    return argon2_ctx(&ctx, (argon2_type)type);
}

/// Decodes standard base64 (with padding) straight into `bin`, so no intermediate buffer ever holds key bytes.
/// Returns 0 and the decoded length in `bin_len` when all of `b64` is base64 of at most `bin_maxlen` bytes.
static inline int tessera_base64_decode(
    void *_Nullable bin, size_t bin_maxlen, const void *_Nullable b64, size_t b64_len, size_t *_Nonnull bin_len
) {
    if (bin == NULL || b64 == NULL) { return -1; }
    const char *end = NULL;
    int status = sodium_base642bin(
        (unsigned char *)bin, bin_maxlen, (const char *)b64, b64_len, NULL, bin_len, &end,
        sodium_base64_VARIANT_ORIGINAL);
    if (status != 0 || end != (const char *)b64 + b64_len) { return -1; }
    return 0;
}

/// Encodes `bin` as standard base64 (with padding) into `b64`, NUL-terminated, so key text is only ever written
/// into memory the caller wipes. Returns 0 when `b64_maxlen` holds the text and its NUL.
static inline int tessera_base64_encode(
    void *_Nullable b64, size_t b64_maxlen, const void *_Nullable bin, size_t bin_len
) {
    if (b64 == NULL || bin == NULL) { return -1; }
    if (b64_maxlen < sodium_base64_encoded_len(bin_len, sodium_base64_VARIANT_ORIGINAL)) { return -1; }
    sodium_bin2base64((char *)b64, b64_maxlen, (const unsigned char *)bin, bin_len, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

/// A static, non-secret description of an argon2 error code.
static inline const char *_Nonnull tessera_argon2_error_message(int code) { return argon2_error_message(code); }

#endif
