#ifndef TESSERA_PKCS11_SHIM_H
#define TESSERA_PKCS11_SHIM_H

// PKCS#11 (OASIS v2.40) through p11-kit's header, as Debian ships it (libp11-kit-dev); nothing is linked: the
// module (e.g. SoftHSM2's libsofthsm2.so) is loaded with dlopen and called through its function list. Every
// helper takes nullable `void *` and returns the CK_RV (0 = CKR_OK), so Swift never touches the structs.

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <p11-kit-1/p11-kit/pkcs11.h>

/// Not a PKCS#11 code: the module could not be loaded or has no C_GetFunctionList.
#define TESSERA_P11_LOAD_FAILED 0xFFFF0001UL
/// Not a PKCS#11 code: no token carries the label.
#define TESSERA_P11_NO_TOKEN 0xFFFF0002UL
/// Not a PKCS#11 code: a null argument.
#define TESSERA_P11_BAD_ARGUMENT 0xFFFF0003UL

/// dlopen()s the module, fetches its function list and initialises it (OS locking). On success `*handle` and
/// `*list` are set; call tessera_p11_unload when done.
static inline unsigned long tessera_p11_load(
    const char *_Nullable path, void *_Nullable *_Nonnull handle, void *_Nullable *_Nonnull list
) {
    *handle = NULL;
    *list = NULL;
    if (path == NULL) { return TESSERA_P11_BAD_ARGUMENT; }
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (module == NULL) { return TESSERA_P11_LOAD_FAILED; }
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(module, "C_GetFunctionList");
    CK_FUNCTION_LIST_PTR functions = NULL;
    if (get == NULL || get(&functions) != CKR_OK || functions == NULL) {
        dlclose(module);
        return TESSERA_P11_LOAD_FAILED;
    }
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = functions->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        dlclose(module);
        return rv;
    }
    *handle = module;
    *list = functions;
    return CKR_OK;
}

/// Finalises the module and dlclose()s it.
static inline void tessera_p11_unload(void *_Nullable handle, void *_Nullable list) {
    if (list != NULL) { ((CK_FUNCTION_LIST_PTR)list)->C_Finalize(NULL); }
    if (handle != NULL) { dlclose(handle); }
}

/// Finds the slot whose token's label (space-padded to 32 bytes) is `label`.
static inline unsigned long tessera_p11_find_token(
    void *_Nullable list, const char *_Nullable label, unsigned long *_Nonnull slot
) {
    if (list == NULL || label == NULL) { return TESSERA_P11_BAD_ARGUMENT; }
    CK_FUNCTION_LIST_PTR f = (CK_FUNCTION_LIST_PTR)list;
    size_t length = strlen(label);
    if (length > 32) { return TESSERA_P11_NO_TOKEN; }
    CK_ULONG count = 0;
    CK_RV rv = f->C_GetSlotList(CK_TRUE, NULL, &count);
    if (rv != CKR_OK) { return rv; }
    if (count == 0) { return TESSERA_P11_NO_TOKEN; }
    if (count > 256) { count = 256; }
    CK_SLOT_ID slots[256];
    rv = f->C_GetSlotList(CK_TRUE, slots, &count);
    if (rv != CKR_OK) { return rv; }
    for (CK_ULONG i = 0; i < count; i++) {
        CK_TOKEN_INFO info;
        if (f->C_GetTokenInfo(slots[i], &info) != CKR_OK) { continue; }
        unsigned char padded[32];
        memset(padded, ' ', sizeof(padded));
        memcpy(padded, label, length);
        if (memcmp(info.label, padded, sizeof(padded)) == 0) {
            *slot = slots[i];
            return CKR_OK;
        }
    }
    return TESSERA_P11_NO_TOKEN;
}

/// Opens a read-write session on `slot` and logs in as the user with `pin` (read in place, never copied).
static inline unsigned long tessera_p11_open_session(
    void *_Nullable list, unsigned long slot, const void *_Nullable pin, size_t pin_length,
    unsigned long *_Nonnull session
) {
    if (list == NULL || pin == NULL) { return TESSERA_P11_BAD_ARGUMENT; }
    CK_FUNCTION_LIST_PTR f = (CK_FUNCTION_LIST_PTR)list;
    CK_SESSION_HANDLE handle = 0;
    CK_RV rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &handle);
    if (rv != CKR_OK) { return rv; }
    rv = f->C_Login(handle, CKU_USER, (CK_UTF8CHAR_PTR)pin, pin_length);
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        f->C_CloseSession(handle);
        return rv;
    }
    *session = handle;
    return CKR_OK;
}

/// Closes a session.
static inline void tessera_p11_close_session(void *_Nullable list, unsigned long session) {
    if (list != NULL) { ((CK_FUNCTION_LIST_PTR)list)->C_CloseSession(session); }
}

/// Finds secret keys labelled `label`: `*count` is how many (up to 2), `*key` the first.
static inline unsigned long tessera_p11_find_key(
    void *_Nullable list, unsigned long session, const char *_Nullable label, unsigned long *_Nonnull key,
    unsigned long *_Nonnull count
) {
    if (list == NULL || label == NULL) { return TESSERA_P11_BAD_ARGUMENT; }
    CK_FUNCTION_LIST_PTR f = (CK_FUNCTION_LIST_PTR)list;
    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    CK_ATTRIBUTE template[2] = {
        {CKA_CLASS, &secret, sizeof(secret)},
        {CKA_LABEL, (void *)label, strlen(label)},
    };
    CK_RV rv = f->C_FindObjectsInit(session, template, 2);
    if (rv != CKR_OK) { return rv; }
    CK_OBJECT_HANDLE found[2];
    CK_ULONG n = 0;
    rv = f->C_FindObjects(session, found, 2, &n);
    f->C_FindObjectsFinal(session);
    if (rv != CKR_OK) { return rv; }
    *count = n;
    if (n > 0) { *key = found[0]; }
    return CKR_OK;
}

/// Generates a 256-bit AES key on the token, labelled `label`: persistent, private, sensitive, never extractable,
/// usable for encrypt/decrypt (AES-GCM wrapping) and sign (AES-CMAC derivation) only.
static inline unsigned long tessera_p11_generate_key(
    void *_Nullable list, unsigned long session, const char *_Nullable label, unsigned long *_Nonnull key
) {
    if (list == NULL || label == NULL) { return TESSERA_P11_BAD_ARGUMENT; }
    CK_FUNCTION_LIST_PTR f = (CK_FUNCTION_LIST_PTR)list;
    CK_MECHANISM mechanism = {CKM_AES_KEY_GEN, NULL, 0};
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG length = 32;
    CK_ATTRIBUTE template[] = {
        {CKA_TOKEN, &yes, sizeof(yes)},       {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)},   {CKA_EXTRACTABLE, &no, sizeof(no)},
        {CKA_ENCRYPT, &yes, sizeof(yes)},     {CKA_DECRYPT, &yes, sizeof(yes)},
        {CKA_SIGN, &yes, sizeof(yes)},        {CKA_VERIFY, &no, sizeof(no)},
        {CKA_WRAP, &no, sizeof(no)},          {CKA_UNWRAP, &no, sizeof(no)},
        {CKA_DERIVE, &no, sizeof(no)},        {CKA_MODIFIABLE, &no, sizeof(no)},
        {CKA_VALUE_LEN, &length, sizeof(length)},
        {CKA_LABEL, (void *)label, strlen(label)},
    };
    return f->C_GenerateKey(session, &mechanism, template, sizeof(template) / sizeof(template[0]), key);
}

/// Reads the key's CKA_SENSITIVE, CKA_EXTRACTABLE and CKA_NEVER_EXTRACTABLE flags.
static inline unsigned long tessera_p11_key_flags(
    void *_Nullable list, unsigned long session, unsigned long key, unsigned char *_Nonnull sensitive,
    unsigned char *_Nonnull extractable, unsigned char *_Nonnull never_extractable
) {
    if (list == NULL) { return TESSERA_P11_BAD_ARGUMENT; }
    CK_FUNCTION_LIST_PTR f = (CK_FUNCTION_LIST_PTR)list;
    CK_ATTRIBUTE template[3] = {
        {CKA_SENSITIVE, sensitive, 1},
        {CKA_EXTRACTABLE, extractable, 1},
        {CKA_NEVER_EXTRACTABLE, never_extractable, 1},
    };
    return f->C_GetAttributeValue(session, key, template, 3);
}

/// Tries to read the key's value (CKA_VALUE): a token that keeps its promise refuses (for tests). Returns the CK_RV.
static inline unsigned long tessera_p11_try_read_value(
    void *_Nullable list, unsigned long session, unsigned long key
) {
    if (list == NULL) { return TESSERA_P11_BAD_ARGUMENT; }
    CK_FUNCTION_LIST_PTR f = (CK_FUNCTION_LIST_PTR)list;
    unsigned char value[64];
    CK_ATTRIBUTE template[1] = {{CKA_VALUE, value, sizeof(value)}};
    CK_RV rv = f->C_GetAttributeValue(session, key, template, 1);
    memset(value, 0, sizeof(value));
    return rv;
}

/// AES-GCM in the token (96-bit IV, 128-bit tag): encrypt (`encrypt` != 0, out = ciphertext ‖ tag) or decrypt.
static inline unsigned long tessera_p11_gcm(
    void *_Nullable list, unsigned long session, unsigned long key, int encrypt, const void *_Nullable iv,
    const void *_Nullable aad, size_t aad_length, const void *_Nullable input, size_t input_length,
    void *_Nullable output, unsigned long *_Nonnull output_length
) {
    if (list == NULL || iv == NULL || input == NULL || output == NULL) { return TESSERA_P11_BAD_ARGUMENT; }
    CK_FUNCTION_LIST_PTR f = (CK_FUNCTION_LIST_PTR)list;
    CK_GCM_PARAMS params;
    memset(&params, 0, sizeof(params));
    params.iv_ptr = (unsigned char *)iv;
    params.iv_len = 12;
    params.iv_bits = 96;
    params.aad_ptr = (unsigned char *)aad;
    params.aad_len = aad_length;
    params.tag_bits = 128;
    CK_MECHANISM mechanism = {CKM_AES_GCM, &params, sizeof(params)};
    CK_RV rv = encrypt ? f->C_EncryptInit(session, &mechanism, key) : f->C_DecryptInit(session, &mechanism, key);
    if (rv != CKR_OK) { return rv; }
    CK_ULONG length = *output_length;
    rv = encrypt ? f->C_Encrypt(session, (CK_BYTE_PTR)input, input_length, (CK_BYTE_PTR)output, &length)
                 : f->C_Decrypt(session, (CK_BYTE_PTR)input, input_length, (CK_BYTE_PTR)output, &length);
    *output_length = length;
    return rv;
}

/// AES-CMAC of `data` in the token (16 bytes into `output`).
static inline unsigned long tessera_p11_cmac(
    void *_Nullable list, unsigned long session, unsigned long key, const void *_Nullable data, size_t length,
    void *_Nullable output
) {
    if (list == NULL || data == NULL || output == NULL) { return TESSERA_P11_BAD_ARGUMENT; }
    CK_FUNCTION_LIST_PTR f = (CK_FUNCTION_LIST_PTR)list;
    CK_MECHANISM mechanism = {CKM_AES_CMAC, NULL, 0};
    CK_RV rv = f->C_SignInit(session, &mechanism, key);
    if (rv != CKR_OK) { return rv; }
    CK_ULONG out = 16;
    rv = f->C_Sign(session, (CK_BYTE_PTR)data, length, (CK_BYTE_PTR)output, &out);
    if (rv == CKR_OK && out != 16) { return CKR_GENERAL_ERROR; }
    return rv;
}

#endif
